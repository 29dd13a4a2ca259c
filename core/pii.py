"""Personal data at rest: validation, encryption, keyed hash and masking.

ID-card numbers (居民身份证号) and phone numbers are never stored in plain text:
each field keeps a Fernet ciphertext (for the explicit reveal action), an
HMAC-SHA256 keyed hash (for exact lookups and uniqueness) and a masked form
(for lists and exports). Keys rotate: PII_KEYS is a ring, newest first (see Keys
below); ``manage.py pii_rotate`` moves stored data onto the newest key.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import hashlib
import hmac

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db.models import Q
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

# --- Keys ----------------------------------------------------------------------------
# settings.PII_KEYS is a ring of (key id, secret), newest first (config/keys.py). Each secret gives,
# through HKDF, a Fernet key and an HMAC key. Ciphertexts need no key id: MultiFernet tries every key.
# Hashes do: a lookup must compute the hash under each key, so every hash is stored as "<key id>:<hex>".
# A hash without a prefix was written before key ids existed, by some key of the ring (PII_KEY = id 1).
#
# Uniqueness during a rotation: the same number hashes differently under two keys, so a unique
# constraint on the hash column alone no longer sees a duplicate across versions. We keep the
# constraint (it still serialises concurrent inserts under the newest key, the only key new rows
# use) and the services look the number up under every key (hash_q) before writing; the rows that
# still carry an old hash exist already, so that look-up is not racy. pii_rotate rewrites a row's
# hash from old to new; a clash there (two rows with one number) fails loudly on the constraint.
# A separate "key version" column would not help: the uniqueness question is the same.

HASH_SEPARATOR = ":"
# "<id of up to 8 characters>:<64 hex digits>"
HASH_MAX_LENGTH = 80
_HKDF_SALT = b"zones-pii"
# A known plain text stored encrypted under every key (core.models.PiiCanary): a start-up check decrypts it to
# prove the configured keys are the ones the data was written with.
CANARY_TEXT = "zones-pii-canary"


@dataclasses.dataclass(frozen=True)
class PiiKey:
    id: str
    fernet: Fernet
    hash_key: bytes


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=purpose).derive(secret.encode())


@functools.cache
def key_ring() -> tuple[PiiKey, ...]:
    """The configured keys, newest (the one that encrypts) first."""
    ring = tuple(
        PiiKey(key_id, Fernet(base64.urlsafe_b64encode(_derive(secret, b"encrypt"))), _derive(secret, b"hash"))
        for key_id, secret in settings.PII_KEYS
    )
    if not ring:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("未配置个人信息密钥（PII_KEY 或 PII_KEYS）。")
    return ring


@functools.cache
def _multi_fernet() -> MultiFernet:
    return MultiFernet([key.fernet for key in key_ring()])


def primary_key_id() -> str:
    return key_ring()[0].id


def key_ids() -> list[str]:
    return [key.id for key in key_ring()]


def _reset_keys(*, setting, **kwargs) -> None:
    if setting == "PII_KEYS":
        key_ring.cache_clear()
        _multi_fernet.cache_clear()


setting_changed.connect(_reset_keys)


def encrypt(value: str) -> str:
    return _multi_fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _multi_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # the key that wrote it was removed from PII_KEYS before pii_rotate finished
        raise ValueError("无法解密个人信息（密钥不匹配）") from exc


def decrypt_with(key: PiiKey, token: str) -> str:
    """Decrypt with one key only (the canary check: is this id's secret the one that wrote it?)."""
    return key.fernet.decrypt(token.encode()).decode()


def _hmac(key: PiiKey, value: str) -> str:
    return hmac.new(key.hash_key, value.encode(), hashlib.sha256).hexdigest()


def keyed_hash(value: str) -> str:
    """The hash to store for a new value: under the newest key, prefixed with its id."""
    if not value:
        return ""
    key = key_ring()[0]
    return f"{key.id}{HASH_SEPARATOR}{_hmac(key, value)}"


def lookup_hashes(value: str) -> list[str]:
    """Every stored form a value may have: under each key of the ring, and unprefixed (before key ids)."""
    if not value:
        return []
    hashes_ = []
    for key in key_ring():
        digest = _hmac(key, value)
        hashes_ += [f"{key.id}{HASH_SEPARATOR}{digest}", digest]
    return hashes_


def hash_q(field: str, value: str) -> Q:
    """Filter for rows whose ``field`` (a ``*_hash`` column) holds ``value`` under any key of the ring."""
    return Q(**{f"{field}__in": lookup_hashes(value)}) if value else Q(pk__in=[])


def hash_key_id(stored_hash: str) -> str | None:
    """Id of the key that made a stored hash; None for a hash from before key ids."""
    key_id, sep, _digest = stored_hash.rpartition(HASH_SEPARATOR)
    return key_id if sep else None


def is_current(stored_hash: str) -> bool:
    """True when a stored hash (and the ciphertext written with it) is under the newest key."""
    return not stored_hash or hash_key_id(stored_hash) == primary_key_id()


# --- Which models hold personal data ------------------------------------------------------

def protected_models() -> list[tuple[type, tuple[str, ...]]]:
    """(model, fields) for every model declaring ``pii_fields``.

    A field name ``f`` stands for the columns ``f_encrypted`` and ``f_hash``, always written
    together (so the hash's key id is the ciphertext's). Discovered here, so that core needs
    no import of the apps that own the data.
    """
    from django.apps import apps

    return [(model, tuple(model.pii_fields)) for model in apps.get_models()
            if getattr(model, "pii_fields", ()) and not model._meta.proxy]


# --- ID-card numbers ---------------------------------------------------------------

def _region_known(value: str) -> bool:
    """The first six digits name a county stdnum knows, in any period.

    ``ric.validate`` also requires the county code to have existed in the birth
    year, but codes are assigned at registration: a Zhangqiu resident born in
    1970 holds 370181… (code valid 1992–2016) and must be accepted. stdnum also
    raises KeyError for a known province with an unknown county.
    """
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(value[:6]) for k, v in props.items()}
    return "county" in info


def normalize_id_number(value: str) -> str:
    """Validate a 18-digit resident ID number and return it in canonical form."""
    value = (value or "").strip().upper()
    if not value:
        raise ValidationError("身份证号不能为空。", code="required")
    if len(value) != 18:
        raise ValidationError("身份证号应为18位。", code="length")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError("身份证号格式无效：前17位应为数字，末位为数字或X。", code="invalid")
    if value[17] != ric.calc_check_digit(value):
        raise ValidationError("身份证号校验位错误。", code="checksum")
    try:
        birth = ric.get_birth_date(value)
    except StdnumError as exc:
        raise ValidationError("身份证号格式无效（出生日期不正确）。", code="invalid") from exc
    if birth > datetime.date.today():
        raise ValidationError("身份证号格式无效（出生日期晚于今天）。", code="invalid")
    if not _region_known(value):
        raise ValidationError("身份证号格式无效（地区码不存在）。", code="invalid")
    return value


def birth_date_from_id(value: str) -> datetime.date:
    return ric.get_birth_date(value)


def gender_from_id(value: str) -> str:
    """'M' or 'F' from the sequence digit (odd: male)."""
    return "M" if int(value[16]) % 2 else "F"


def mask_id_number(value: str) -> str:
    """Region, then the sequence's last digit and the check digit: ``370181**********3X``.

    Digits 7–14 are the birth date and 15–16 the sequence within the day: hiding all ten leaves
    tens of thousands of numbers consistent with the mask even for a reader who knows the holder's
    age band (the only age any role sees outside the logged reveal), where the old ``…********1234``
    mask next to a birth date was the full number.
    """
    return f"{value[:6]}**********{value[-2:]}" if value else ""


# --- Phones ------------------------------------------------------------------------

def normalize_phone(value: str) -> str:
    """Validate a mainland China phone number and return its national digits."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("电话号码格式无效。", code="invalid") from exc
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise ValidationError("电话号码无效（应为中国大陆手机或固话号码）。", code="invalid")
    # National digits: a landline keeps its trunk 0 (053183212345), so the revealed number is dialable.
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    return f"{value[:3]}{'*' * max(len(value) - 7, 1)}{value[-4:]}"


def protect_phone(value: str) -> dict[str, str]:
    """Field values for a phone: ciphertext, hash and mask."""
    value = normalize_phone(value)
    return {"encrypted": encrypt(value), "hash": keyed_hash(value), "masked": mask_phone(value)}


class ProtectedPhoneMixin:
    """For models with phone_encrypted / phone_hash / phone_masked columns."""

    pii_fields: tuple[str, ...] = ("phone",)  # the models with an ID number too add "id_number"

    def set_phone(self, raw: str) -> None:
        protected = protect_phone(raw)
        self.phone_encrypted, self.phone_hash, self.phone_masked = protected["encrypted"], protected["hash"], protected["masked"]

    def reveal_phone(self) -> str:
        return decrypt(self.phone_encrypted)
