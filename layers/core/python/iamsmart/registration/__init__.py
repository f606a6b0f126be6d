"""registration: the evidence a registration rests on (the workflow itself comes later).

- ``particulars``: personal particulars as on an HKID card (one model for chip, form and
  record); DG1 encoding; ``from_form`` (HKID format and check digit validated first)
- ``der``: a small strict DER reader and writer (what the chip's security object needs)
- ``chip``: ``verify_chip(sod, data_groups)``: passive authentication modelled on ICAO 9303
  (pinned CSCA → document signer certificate → CMS-signed data-group hashes); ``ChipNotAuthentic``
- ``immigration``: the Immigration Department port (``ImmigrationProvider.lookup(hkid)``), the
  sandbox adapter, ``particulars_agree``
- ``evidence``: ``parse_evidence``, ``check_evidence`` (chip → verified; card photo → manual
  review; no record or disagreeing particulars → rejected), ``face_match`` (the face port)
- ``card``: the sandbox card issuer (``sandbox_card(hkid)``; throw-away PKIs for tests)
- ``sandbox``: synthetic people, photos and the sandbox PKI (``sandbox/README.md``)
"""
