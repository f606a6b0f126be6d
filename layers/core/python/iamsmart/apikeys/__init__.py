"""API key registry: which department, registration site or staff member holds an API key.

API Gateway validates a key (``api_key_required``) and passes its id to the API
(``identity.apiKeyId``); this registry, written by the code that issues keys (local
provisioning, the operator CLIs), says who holds it. The API reads the registry and never
``apigateway:GET``s a key (which could include its value).
"""
