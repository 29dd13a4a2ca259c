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
from stdnum.exceptions import ValidationError as StdnumError


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

    def set_phone(self, raw: str) -> None:
        protected = protect_phone(raw)
        self.phone_encrypted, self.phone_hash, self.phone_masked = protected["encrypted"], protected["hash"], protected["masked"]

    def reveal_phone(self) -> str:
        return decrypt(self.phone_encrypted)
