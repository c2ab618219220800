"""The one secret masker: a value read as a secret is masked in every encoding, at every edge."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import quote, urlencode

import pytest

from syncset.errors import ProviderError, SyncsetError
from syncset.plan.model import load_plan
from syncset.providers.http.errors import Redactor
from syncset.secrets import MASK, SECRETS, SecretMasker, mask_paths, without_input

SECRET = "S3cr3t+V@lue/42!"


def masker(*values: str) -> SecretMasker:
    masking = SecretMasker()
    masking.add(*values)
    return masking


@pytest.mark.parametrize("user", ["", "a", "ab", "abc", "syncset", "svc-42"])
def test_an_echoed_basic_header_is_masked(user):
    header = "Basic " + base64.b64encode(f"{user}:{SECRET}".encode()).decode()

    shown = masker(SECRET).mask(f"401: expected Authorization: {header}")

    assert MASK in shown
    assert base64.b64encode(SECRET.encode()[3:15]).decode() not in shown
    assert shown.startswith("401: expected Authorization: Basic ")


@pytest.mark.parametrize(
    "encoded",
    [
        quote(SECRET, safe=""),
        urlencode({"client_secret": SECRET}).split("=", 1)[1],
        json.dumps(SECRET, ensure_ascii=True)[1:-1],
        json.dumps('Sécret/"quoted"\\')[1:-1],
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
    ],
    ids=["url", "form", "json", "json-escapes", "base64", "base64url"],
)
def test_an_encoded_secret_is_masked(encoded):
    shown = masker(SECRET, 'Sécret/"quoted"\\').mask(f"the server said: {encoded}.")

    assert shown == f"the server said: {MASK}."


def test_short_values_and_words_like_true_are_not_masked_as_text():
    masking = masker("abc", "true", "1234", "")

    assert masking.mask('{"sensitive": true, "api_calls": 1234, "id": "abc"}') == (
        '{"sensitive": true, "api_calls": 1234, "id": "abc"}'
    )


def test_a_multi_line_secret_is_masked_line_by_line():
    key = "\n".join(
        [
            "-----BEGIN KEY-----",
            "MIIEvQIBADANBgkqhkiG9w0BAQ",
            "AQEFAASCBKcwggSjAgEAAoIBAQ",
            "-----END",
        ]
    )

    shown = masker(key).mask("line 1 MIIEvQIBADANBgkqhkiG9w0BAQ; line 2 AQEFAASCBKcwggSjAgEAAoIBAQ")

    assert shown == f"line 1 {MASK}; line 2 {MASK}"


def test_mask_tree_masks_keys_and_values_and_leaves_other_types():
    tree = {"a": [SECRET, 1, True, None], SECRET: {"b": f"x{SECRET}y"}}

    assert masker(SECRET).mask_tree(tree) == {"a": [MASK, 1, True, None], MASK: {"b": f"x{MASK}y"}}


def test_the_text_of_every_syncset_error_is_masked_when_it_is_made():
    SECRETS.add(SECRET)

    assert str(ProviderError(f"server echoed {quote(SECRET, safe='')}")) == f"server echoed {MASK}"
    assert SECRET not in repr(SyncsetError(SECRET))


def test_the_http_layers_redactor_is_a_handle_on_the_one_masker():
    Redactor().add("a-token-the-client-minted")

    assert SECRETS.mask("a-token-the-client-minted") == MASK
    assert Redactor().clean(f"echo {SECRET}") == f"echo {SECRET}"  # not read in this test


def test_log_records_are_masked_whichever_logger_writes_them(caplog):
    SECRETS.add(SECRET)
    caplog.set_level(logging.DEBUG)

    logging.getLogger("anything.else").warning("retrying with %s", SECRET)

    assert SECRET not in caplog.text and f"retrying with {MASK}" in caplog.text


def test_a_validation_message_about_a_secret_loses_every_quoting_of_it():
    message = "' s3cret-value ' is not an e-mail address, nor is 's3cret-value'"

    assert (
        without_input(message, " S3cret-Value ")
        == f"{MASK} is not an e-mail address, nor is {MASK}"
    )


def test_mask_paths_hides_the_secret_paths_of_a_record():
    fields = {"settings": {"token": SECRET, "host": "h"}, "columns": [{}, {"note": SECRET}]}

    masked = mask_paths(fields, {"settings.token", "columns[1].note", "missing.path"})

    assert masked == {"settings": {"token": MASK, "host": "h"}, "columns": [{}, {"note": MASK}]}


def test_a_saved_plan_is_masked_before_its_checksum_so_it_still_loads(repo, cli, monkeypatch):
    monkeypatch.setenv("SECRET", SECRET)
    repo.write(
        "environments/dev/s.yaml",
        "kind: solution\nid: s1\nname: 'Sync {{ env(\"SECRET\") }}'\n",
    )

    assert cli("plan", "dev", "--out", "plan.json").code == 0

    text = (repo.root / "plan.json").read_text()
    assert SECRET not in text and f"Sync {MASK}" in text
    assert load_plan(repo.root / "plan.json").changes[0].name == f"Sync {MASK}"
