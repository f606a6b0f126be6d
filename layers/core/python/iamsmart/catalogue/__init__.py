"""catalogue: government online services by theme and audience, bilingual search, and the
one-click login links departments set for their services.

- ``logic``: use cases (list/search, get, seed, set a login link)
- ``search``: pure bilingual search over a snapshot
- ``models``: domain ``Service`` and the API's wire models
- ``vocabulary``: themes, audiences (both languages), department websites
- ``source``: the packaged 2023 seed (``seed/``)
- ``dal``: the ``services`` table (PynamoDB); ``departments``: API key -> department
"""
