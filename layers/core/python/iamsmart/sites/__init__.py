"""Registration sites: where citizens register in person.

Self-registration kiosks, post-office counters and mobile teams (with their upcoming visits
at schools and community centres), each with district, bilingual name and address, opening
hours, elderly assistance and a map link. Operators maintain them (``python -m
tools.sites``); the public reads them (``GET /v1/sites``, the "Register in person" page).
Each kiosk, counter and mobile team has its own API key (``iamsmart.apikeys``), so an
application records the site that took it.
"""
