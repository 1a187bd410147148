"""Demo borrowers and their phones: places, names, national ids and valid E.164 numbers.

Pure Python and deterministic for a ``random.Random``; nothing here touches the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import phonenumbers
from phonenumbers import timezone as phone_timezone
from phonenumbers.tzdata import TIMEZONE_DATA

from accounts.services.phones import national_id_hash, national_id_last4
from config.pii import name_index


@dataclass(frozen=True)
class City:
    name: str
    country: str
    region: str
    timezone: str
    postal_range: tuple[int, int]
    area_codes: tuple[str, ...]
    # Chinese resident ids start with the six-digit code of the district of registration.
    id_region: str = ""


US_CITIES: tuple[tuple[City, float], ...] = (
    (City("New York", "US", "NY", "America/New_York", (10001, 10040), ("212", "646", "917")), 0.17),
    (City("Brooklyn", "US", "NY", "America/New_York", (11201, 11239), ("718", "347", "929")), 0.09),
    (City("Buffalo", "US", "NY", "America/New_York", (14201, 14227), ("716",)), 0.03),
    (City("Chicago", "US", "IL", "America/Chicago", (60601, 60661), ("312", "773", "872")), 0.13),
    (City("Naperville", "US", "IL", "America/Chicago", (60540, 60565), ("630", "331")), 0.04),
    (City("Springfield", "US", "IL", "America/Chicago", (62701, 62712), ("217",)), 0.02),
    (City("Denver", "US", "CO", "America/Denver", (80202, 80239), ("303", "720")), 0.07),
    (City("Colorado Springs", "US", "CO", "America/Denver", (80903, 80925), ("719",)), 0.03),
    (City("Los Angeles", "US", "CA", "America/Los_Angeles", (90001, 90068), ("213", "323", "310")), 0.16),
    (City("San Francisco", "US", "CA", "America/Los_Angeles", (94102, 94134), ("415", "628")), 0.06),
    (City("San Diego", "US", "CA", "America/Los_Angeles", (92101, 92130), ("619", "858")), 0.06),
    (City("San Jose", "US", "CA", "America/Los_Angeles", (95110, 95139), ("408", "669")), 0.04),
    (City("Phoenix", "US", "AZ", "America/Phoenix", (85003, 85051), ("602", "480", "623")), 0.04),
    (City("Tucson", "US", "AZ", "America/Phoenix", (85701, 85750), ("520",)), 0.02),
    (City("Honolulu", "US", "HI", "Pacific/Honolulu", (96813, 96826), ("808",)), 0.04),
)
CN_CITIES: tuple[tuple[City, float], ...] = (
    (City("上海", "CN", "SH", "Asia/Shanghai", (200000, 200080), ("21",), "310101"), 0.30),
    (City("北京", "CN", "BJ", "Asia/Shanghai", (100000, 100190), ("10",), "110101"), 0.22),
    (City("广州", "CN", "GD", "Asia/Shanghai", (510000, 510800), ("20",), "440103"), 0.14),
    (City("深圳", "CN", "GD", "Asia/Shanghai", (518000, 518130), ("755",), "440303"), 0.14),
    (City("成都", "CN", "SC", "Asia/Shanghai", (610000, 610100), ("28",), "510104"), 0.10),
    (City("杭州", "CN", "ZJ", "Asia/Shanghai", (310000, 310030), ("571",), "330102"), 0.10),
)
SHARE_CHINA = 0.3
# A US borrower whose mobile was issued in another time zone (moved since): the compliance
# engine must respect both zones.
SHARE_MOBILE_ELSEWHERE = 0.08
SHARE_US_CHINESE_SPEAKING = 0.06

US_FIRST = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Luis", "Ashley",
    "Kevin", "Emily", "Brian", "Maria", "Jose", "Michelle", "Jason", "Amanda", "Ryan", "Melissa",
    "Keanu", "Leilani", "Tyrone", "Aaliyah", "Dmitri", "Priya", "Omar", "Fatima", "Hiroshi", "Sofia",
)
US_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Kim", "Patel", "O'Brien", "Kealoha", "Nakamura", "Cohen", "Murphy", "Rivera", "Cooper", "Reyes",
)
PINYIN_FIRST = ("Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong", "Jie", "Tao", "Ming")
PINYIN_LAST = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Lin")
CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
CN_GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "晓明", "建华", "志强", "文", "婷", "雪", "浩", "宇", "欣怡", "子涵",
    "思远", "嘉怡", "俊杰", "梓萱", "一鸣", "海燕", "国栋", "丹丹",
)
US_STREETS = (
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Ave", "Washington St", "Lake St", "Hill Rd",
    "Sunset Blvd", "Elm St", "Pine St", "2nd Ave", "Broadway", "Market St", "Mission St", "Kapiolani Blvd",
)
CN_STREETS = ("南京西路", "淮海中路", "人民路", "中山路", "解放路", "建设路", "长安街", "天府大道", "文三路", "深南大道")
RELATIONS = ("spouse", "parent", "sibling", "child", "friend", "employer", "reference")

# Leading digits of Chinese mobile numbers (China Mobile, Unicom and Telecom ranges).
CN_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "158", "186", "189")
MOBILE_CONSENT_RATE = 0.86
DO_NOT_CALL_RATE = 0.015


@dataclass
class PersonRows:
    borrower: tuple[object, ...]
    phones: list[tuple[object, ...]]
    timezone: str
    currency: str


def _weighted(cities: tuple[tuple[City, float], ...]) -> tuple[list[City], list[float]]:
    items, weights = zip(*cities, strict=True)
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return list(items), cumulative


US_PICK = _weighted(US_CITIES)
CN_PICK = _weighted(CN_CITIES)


@cache
def _exchange_is_valid(country_code: str, area: str, exchange: int, length: int) -> bool:
    """Whether ``phonenumbers`` accepts numbers in this exchange (checked once, on a sample)."""
    text = str(exchange)
    if text[1:] == "11" or text == "555":  # N11 service codes; 555 is the fictional exchange
        return False
    tail = "4" * (length - len(area) - 3)
    return phonenumbers.is_valid_number(phonenumbers.parse(f"+{country_code}{area}{text}{tail}"))


def _exchange(rng: random.Random, country_code: str, area: str, length: int) -> str:
    """A three-digit exchange after ``area`` that makes valid numbers of ``length`` national digits."""
    while True:
        exchange = rng.randrange(200, 1000)
        if _exchange_is_valid(country_code, area, exchange, length):
            return str(exchange)


@cache
def _timezone_prefix_length(country_code: str) -> int:
    """The longest prefix the time zone data of ``phonenumbers`` distinguishes for a country."""
    return max((len(k) for k in TIMEZONE_DATA if k.startswith(country_code)), default=len(country_code))


_ZONES_BY_PREFIX: dict[str, str] = {}


def phone_timezones(number: str) -> str:
    """What ``phonenumbers.timezone.time_zones_for_number`` gives, comma separated.

    The answer depends only on the leading digits the time zone data knows (+1 and an area code
    and exchange, +86 and an area code), so it is cached per prefix: one lookup per exchange.
    """
    country_code = "1" if number.startswith("+1") else number[1:3]
    prefix = number[: 1 + _timezone_prefix_length(country_code)]
    zones = _ZONES_BY_PREFIX.get(prefix)
    if zones is None:
        found = phone_timezone.time_zones_for_number(phonenumbers.parse(number))
        zones = _ZONES_BY_PREFIX[prefix] = ",".join(z for z in found if z != phone_timezone.UNKNOWN_TIMEZONE)
    return zones


def _us_number(rng: random.Random, area: str) -> str:
    return f"+1{area}{_exchange(rng, '1', area, 10)}{rng.randrange(10000):04d}"


def _cn_mobile(rng: random.Random) -> str:
    return f"+86{rng.choice(CN_MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"


def _cn_landline(rng: random.Random, area: str) -> str:
    length = len(area) + 8  # Shanghai 21 xxxx xxxx, Shenzhen 755 xxxx xxxx
    return f"+86{area}{_exchange(rng, '86', area, length)}{rng.randrange(100_000):05d}"


def _ssn(rng: random.Random) -> str:
    area = rng.randrange(1, 900)
    while area == 666:
        area = rng.randrange(1, 900)
    return f"{area:03d}{rng.randrange(1, 100):02d}{rng.randrange(1, 10000):04d}"


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def _resident_id(rng: random.Random, id_region: str, born: date) -> str:
    """An 18-character PRC resident identity number with its ISO 7064 MOD 11-2 check character."""
    body = f"{id_region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def _pick(rng: random.Random, pick: tuple[list[City], list[float]]) -> City:
    items, cumulative = pick
    return rng.choices(items, cum_weights=cumulative)[0]


def _phone(
    phone_id: int, borrower_id: int, number: str, kind: str, now: object, *, consent: bool, dnc: bool,
    owner: str = "borrower", tp_name: str = "", tp_relation: str = "", tp_may_contact: bool = False,
    verified: object = None,
) -> tuple[object, ...]:
    return (
        phone_id, borrower_id, number, kind, owner, tp_name, tp_relation, tp_may_contact, consent, dnc, False,
        phone_timezones(number), verified, now, now,
    )


PHONE_COLUMNS = (
    "id", "borrower_id", "number", "type", "owner", "third_party_name", "third_party_relation",
    "third_party_may_contact", "autodialer_consent", "do_not_call", "uncallable", "timezones",
    "last_verified_at", "created_at", "updated_at",
)
BORROWER_COLUMNS = (
    "id", "external_id", "name", "national_id_hash", "national_id_last4", "date_of_birth", "language",
    "address_line", "country", "region", "postal_code", "timezone", "timezone_overridden", "deceased",
    "bankruptcy", "attorney_represented", "created_at", "updated_at", "name_index",
)


def person_build(
    rng: random.Random, *, borrower_id: int, external_id: str, first_phone_id: int, today: date,
    now: object,
) -> PersonRows:
    """One borrower row and its phone rows (ids from ``first_phone_id`` upwards)."""
    in_china = rng.random() < SHARE_CHINA
    city = _pick(rng, CN_PICK if in_china else US_PICK)
    born = today - timedelta(days=rng.randrange(21 * 365, 66 * 365))
    if in_china:
        name = rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)
        language = "zh-hans"
        national_id = _resident_id(rng, city.id_region, born)
        address = f"{rng.choice(CN_STREETS)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}栋{rng.randrange(101, 2899)}室"
        postal = f"{rng.randrange(city.postal_range[0], city.postal_range[1] + 1, 10):06d}"
    else:
        chinese_speaking = city.region in {"CA", "NY"} and rng.random() < SHARE_US_CHINESE_SPEAKING
        if chinese_speaking:
            name = f"{rng.choice(PINYIN_FIRST)} {rng.choice(PINYIN_LAST)}"
        else:
            name = f"{rng.choice(US_FIRST)} {rng.choice(US_LAST)}"
        language = "zh-hans" if chinese_speaking else "en"
        national_id = _ssn(rng)
        address = f"{rng.randrange(1, 9999)} {rng.choice(US_STREETS)}, {city.name}"
        postal = f"{rng.randrange(city.postal_range[0], city.postal_range[1] + 1):05d}"
    borrower = (
        borrower_id, external_id, name, national_id_hash(national_id), national_id_last4(national_id), born, language, address,
        city.country, city.region, postal, city.timezone, False, False, False, False, now, now, name_index(name),
    )

    phones: list[tuple[object, ...]] = []
    numbers: set[str] = set()

    def add(number: str, kind: str, **kwargs: object) -> None:
        if number in numbers:
            return
        numbers.add(number)
        phones.append(_phone(first_phone_id + len(phones), borrower_id, number, kind, now, **kwargs))  # type: ignore[arg-type]

    verified = now if rng.random() < 0.4 else None
    if in_china:
        mobile = _cn_mobile(rng)
    else:
        mobile_city = city
        if rng.random() < SHARE_MOBILE_ELSEWHERE:
            elsewhere = [c for c, _ in US_CITIES if c.timezone != city.timezone]
            mobile_city = rng.choice(elsewhere)
        mobile = _us_number(rng, rng.choice(mobile_city.area_codes))
    add(mobile, "mobile", consent=rng.random() < MOBILE_CONSENT_RATE, dnc=rng.random() < DO_NOT_CALL_RATE, verified=verified)
    for kind, share in (("home", 0.35), ("work", 0.12)):
        if rng.random() < share:
            area = rng.choice(city.area_codes)
            number = _cn_landline(rng, area) if in_china else _us_number(rng, area)
            add(number, kind, consent=False, dnc=rng.random() < DO_NOT_CALL_RATE)
    if rng.random() < 0.12:
        relation = rng.choice(RELATIONS)
        if in_china:
            tp_name, tp_number = rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN), _cn_mobile(rng)
        else:
            tp_name = f"{rng.choice(US_FIRST)} {rng.choice(US_LAST)}"
            tp_number = _us_number(rng, rng.choice(city.area_codes))
        add(
            tp_number, "work" if relation == "employer" else "mobile", owner="third_party", tp_name=tp_name,
            tp_relation=relation, tp_may_contact=rng.random() < 0.5, consent=rng.random() < 0.5,
            dnc=rng.random() < DO_NOT_CALL_RATE * 3,
        )
    return PersonRows(borrower, phones, city.timezone, "CNY" if in_china else "USD")
