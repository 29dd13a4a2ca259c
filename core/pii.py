"""Personal data at rest: validation, encryption, keyed hash and masking.

ID-card numbers (居民身份证号) and phone numbers are never stored in plain text:
each field keeps a Fernet ciphertext (for the explicit reveal action), an
HMAC-SHA256 keyed hash (for exact lookups and uniqueness) and a masked form
(for lists and exports).
"""
from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, ValidationError as StdnumError


@functools.cache
def _derive(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"zones-pii", info=purpose).derive(
        settings.PII_KEY.encode()
    )


@functools.cache
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"encrypt")))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key rotated without re-encryption
        raise ValueError("无法解密个人信息（密钥不匹配）") from exc


def keyed_hash(value: str) -> str:
    if not value:
        return ""
    return hmac.new(_derive(b"hash"), value.encode(), hashlib.sha256).hexdigest()


# --- ID-card numbers ---------------------------------------------------------------

def normalize_id_number(value: str) -> str:
    """Validate a 18-digit resident ID number and return it in canonical form."""
    value = (value or "").strip().upper()
    if not value:
        raise ValidationError("身份证号不能为空。", code="required")
    if len(value) != 18:
        raise ValidationError("身份证号应为18位。", code="length")
    try:
        return ric.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError("身份证号校验位错误。", code="checksum") from exc
    except StdnumError as exc:
        raise ValidationError("身份证号格式无效（地区码或出生日期不正确）。", code="invalid") from exc


def birth_date_from_id(value: str) -> datetime.date:
    return ric.get_birth_date(value)


def gender_from_id(value: str) -> str:
    """'M' or 'F' from the sequence digit (odd: male)."""
    return "M" if int(value[16]) % 2 else "F"


def mask_id_number(value: str) -> str:
    return f"{value[:6]}********{value[-4:]}" if value else ""


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
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).removeprefix("+86")


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
