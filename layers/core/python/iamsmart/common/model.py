"""The base of every pydantic model of the platform (not ``Settings``, always used at once).

``defer_build``: a model's validator and serializer are built the first time the model is
used, not when its module is imported, so a cold start pays only for the models its request
touches (the API's blueprints declare some hundred; building them all at import was a third
of the API's cold import). Configuration given by a subclass is merged with this one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
