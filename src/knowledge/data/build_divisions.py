#!/usr/bin/env python3
"""Builds divisions.txt from the CSV files of modood/Administrative-divisions-of-China (dist/).

Usage: build_divisions.py DIST_DIR > divisions.txt
Each output line is `LEVEL NAME`: P province-level full name, p its short form, C prefecture
level, c its short form, A county level, a its short form, T town (镇/乡). Short forms drop the
administrative suffix (省, 市, 自治区, 县, 区, 旗…) and the ethnic part of autonomous areas;
those shorter than two characters are left out. Development zones and other non-administrative
entries are left out too.
"""
import csv, os, sys

ETHNIC = ("汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
          "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
          "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各").split()
ETHNIC_FORMS = sorted([e + "族" for e in ETHNIC] + ETHNIC, key=len, reverse=True)
ETHNIC_FORMS_REGION = sorted([e + "族" for e in ETHNIC] + ["维吾尔"], key=len, reverse=True)
SKIP = ("开发区", "园区", "管理区", "示范区", "产业", "工业", "市辖区", "直辖", "农场", "林场", "矿区",
        "监狱", "办事处", "牧场", "管委会", "实验区", "合作区")
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "新区",
            "省", "市", "县", "区", "旗", "盟")


def short(name):
    for suf in SUFFIXES:
        if name.endswith(suf) and len(name) > len(suf):
            base = name[: -len(suf)]
            if suf.startswith("自治"):
                # 内蒙古自治区 keeps 蒙古; 新疆维吾尔自治区 loses 维吾尔.
                forms = ETHNIC_FORMS_REGION if suf == "自治区" else ETHNIC_FORMS
                changed = True
                while changed:
                    changed = False
                    for form in forms:
                        if base.endswith(form) and len(base) > len(form):
                            base = base[: -len(form)]
                            changed = True
            return base if len(base) >= 2 else None
    return None


def rows(dist, name):
    with open(os.path.join(dist, name), encoding="utf-8") as f:
        return [r["name"] for r in csv.DictReader(f)]


def main():
    dist = sys.argv[1]
    out, seen = [], set()

    def emit(level, name):
        if name and (level, name) not in seen:
            seen.add((level, name))
            out.append(f"{level} {name}")

    def keep(n):
        return not any(s in n for s in SKIP)

    for n in rows(dist, "provinces.csv") + ["香港特别行政区", "澳门特别行政区", "台湾省"]:
        emit("P", n)
        emit("p", short(n))
    for n in rows(dist, "cities.csv"):
        if n == "县" or not keep(n):
            continue
        emit("C", n)
        emit("c", short(n))
    for n in rows(dist, "areas.csv"):
        if not keep(n):
            continue
        emit("A", n)
        # The short form of a district is too often a common word (城区, 新华, 和平).
        if not n.endswith("区"):
            emit("a", short(n))
    for n in rows(dist, "streets.csv"):
        if (n.endswith("镇") or n.endswith("乡")) and keep(n):
            emit("T", n)
    print("\n".join(out))


main()
