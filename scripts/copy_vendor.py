"""Copy the prebuilt browser builds from node_modules into static/vendor (never a CDN)."""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "vue/dist/vue.global.prod.js": "vue.global.prod.js",
    "element-plus/dist/index.full.min.js": "element-plus.full.min.js",
    "element-plus/dist/index.css": "element-plus.css",
    "element-plus/dist/locale/zh-cn.min.js": "element-plus-zh-cn.min.js",
    "@element-plus/icons-vue/dist/index.iife.min.js": "element-plus-icons.min.js",
    "echarts/dist/echarts.min.js": "echarts.min.js",
}


def main() -> int:
    target = ROOT / "static" / "vendor"
    target.mkdir(parents=True, exist_ok=True)
    missing = []
    for source, name in FILES.items():
        path = ROOT / "node_modules" / source
        if not path.exists():
            missing.append(source)
            continue
        dest = target / name
        if not dest.exists() or dest.stat().st_mtime < path.stat().st_mtime:
            shutil.copy2(path, dest)
    if missing:
        print("缺少前端依赖（请先运行 npm ci）：", ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
