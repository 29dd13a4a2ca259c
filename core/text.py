"""Pinyin search keys so that `zs` finds 张三 and `zhang` finds 张三 too."""
import functools

from pypinyin import lazy_pinyin


@functools.lru_cache(maxsize=65536)
def pinyin_key(name: str) -> str:
    """'zs zhangsan' for 张三: initials, then the full spelling, lower case."""
    if not name:
        return ""
    full = lazy_pinyin(name, errors="ignore")
    initials = "".join(p[0] for p in full if p)
    return f"{initials} {''.join(full)}".lower()


class PinyinKeyMixin:
    """Keeps `name_pinyin` in step with the model's name field (`pinyin_source`) on save."""

    pinyin_source = "name"

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(getattr(self, self.pinyin_source))
        super().save(*args, **kwargs)
