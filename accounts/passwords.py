"""Password rules of our own, beside Django's validators (settings.AUTH_PASSWORD_VALIDATORS, PASSWORD_POLICY)."""
from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

CLASSES = {
    "lower": ("小写字母", lambda c: c.isascii() and c.islower()),
    "upper": ("大写字母", lambda c: c.isascii() and c.isupper()),
    "digit": ("数字", lambda c: c.isdigit()),
    "symbol": ("符号", lambda c: c in string.punctuation or (not c.isalnum() and not c.isspace())),
}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in Chinese (Django 5.2's zh_Hans catalogue lacks the new wording)."""

    def get_error_message(self):
        return f"密码长度太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"


class LettersAndDigitsValidator:
    """At least one letter and one digit: a password of one kind of character falls to a short search."""

    def validate(self, password, user=None):
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_letters_and_digits")

    def get_help_text(self):
        return "密码必须同时包含字母和数字。"


class CharacterClassesValidator:
    """At least ``min_classes`` of: upper case, lower case, digits, symbols (等保 strict policy)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        present = sum(1 for _label, test in CLASSES.values() if any(test(c) for c in password))
        if present < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_character_classes")

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"
