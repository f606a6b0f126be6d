"""The key aliases the code reads (settings) are the ones infra.names creates, by env var."""

from __future__ import annotations

from iamsmart.settings import Settings
from infra.names import KEYS, key_environment


def test_settings_defaults_are_the_names_aliases() -> None:
    defaults = Settings.from_environ({})
    assert defaults.oidc_signing_key_alias == KEYS["oidc-signing"].alias
    assert defaults.hkid_hmac_key_alias == KEYS["hkid-hmac"].alias


def test_each_key_env_var_sets_its_settings_field() -> None:
    env = {name: f"alias/test-{i}" for i, name in enumerate(key_environment())}
    configured = Settings.from_environ(env)
    for spec in KEYS.values():
        field = spec.env.lower()
        assert getattr(configured, field) == env[spec.env]
    assert set(key_environment()) == {"OIDC_SIGNING_KEY_ALIAS", "HKID_HMAC_KEY_ALIAS",
                                     "TOKEN_HMAC_KEY_ALIAS"}
