"""Phone numbers, time zones and the national id hash: the personal-data edges of the book.

Phone numbers are normalised with ``phonenumbers`` to E.164, the borrower's country being the
region of numbers written without a country code. A number's time zones are the ones
``phonenumbers.timezone`` says it implies.

A borrower's time zone is decided in this order (``borrower_timezone_resolve``):

1. **explicit**: the time zone the core system sends, if it is a real IANA zone;
2. **region / postal code**: a US state (``US_STATE_TIMEZONES``), refined by the ZIP prefix for
   the states that span two zones (``US_ZIP3_TIMEZONES``);
3. **phones**: the zone of the borrower's first own phone, when that number implies exactly one;
4. **country default**: ``COUNTRY_TIMEZONES`` (CN -> Asia/Shanghai, GB -> Europe/London, ...).

When none of these gives a zone (a country spanning several zones with no region and no
telling phone) the caller must ask for an explicit one. All tables of zones live in this module.

Nothing here logs: phone numbers and national ids are personal data.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from phonenumbers import timezone as phone_timezone

UNKNOWN_ZONE = "Etc/Unknown"
# Phone.timezones is a CharField(max_length=255): a number implying more zones than fit (a
# toll-free number implies the whole North American plan) tells nothing about where it rings.
TIMEZONES_MAX_LENGTH = 255

# US states, DC and territories -> the zone of most of their people.
US_STATE_TIMEZONES: dict[str, str] = {
    "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix", "AR": "America/Chicago",
    "CA": "America/Los_Angeles", "CO": "America/Denver", "CT": "America/New_York", "DE": "America/New_York",
    "DC": "America/New_York", "FL": "America/New_York", "GA": "America/New_York", "HI": "Pacific/Honolulu",
    "ID": "America/Boise", "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago", "KS": "America/Chicago", "KY": "America/New_York", "LA": "America/Chicago",
    "ME": "America/New_York", "MD": "America/New_York", "MA": "America/New_York", "MI": "America/Detroit",
    "MN": "America/Chicago", "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
    "NE": "America/Chicago", "NV": "America/Los_Angeles", "NH": "America/New_York", "NJ": "America/New_York",
    "NM": "America/Denver", "NY": "America/New_York", "NC": "America/New_York", "ND": "America/Chicago",
    "OH": "America/New_York", "OK": "America/Chicago", "OR": "America/Los_Angeles", "PA": "America/New_York",
    "RI": "America/New_York", "SC": "America/New_York", "SD": "America/Chicago", "TN": "America/Chicago",
    "TX": "America/Chicago", "UT": "America/Denver", "VT": "America/New_York", "VA": "America/New_York",
    "WA": "America/Los_Angeles", "WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
    "PR": "America/Puerto_Rico", "VI": "America/St_Thomas", "GU": "Pacific/Guam", "AS": "Pacific/Pago_Pago",
    "MP": "Pacific/Saipan",
}  # fmt: skip

# ZIP prefixes (first three digits) of the parts of split states outside the state's zone:
# prefix -> (state, zone). A prefix refines only an address in that same state.
US_ZIP3_TIMEZONES: dict[str, tuple[str, str]] = {
    # Florida panhandle west of the Apalachicola river (Panama City, Pensacola).
    "324": ("FL", "America/Chicago"), "325": ("FL", "America/Chicago"),
    # Texas: El Paso.
    "798": ("TX", "America/Denver"), "799": ("TX", "America/Denver"), "885": ("TX", "America/Denver"),
    # Tennessee: the eastern third (Chattanooga, Johnson City, Knoxville).
    "373": ("TN", "America/New_York"), "374": ("TN", "America/New_York"), "376": ("TN", "America/New_York"),
    "377": ("TN", "America/New_York"), "378": ("TN", "America/New_York"), "379": ("TN", "America/New_York"),
    # Indiana: the Chicago suburbs (Gary) and the Evansville corner.
    "463": ("IN", "America/Chicago"), "464": ("IN", "America/Chicago"),
    "476": ("IN", "America/Chicago"), "477": ("IN", "America/Chicago"),
    # Kentucky: the western half (Paducah, Bowling Green, Owensboro).
    "420": ("KY", "America/Chicago"), "421": ("KY", "America/Chicago"), "422": ("KY", "America/Chicago"),
    "423": ("KY", "America/Chicago"), "424": ("KY", "America/Chicago"),
    # Idaho panhandle.
    "838": ("ID", "America/Los_Angeles"),
}  # fmt: skip

# Countries with one zone, or one zone for nearly everyone. Countries spanning several zones
# (US, CA, AU, BR, RU, MX, ...) are absent on purpose: they need a region, a phone or an
# explicit zone.
COUNTRY_TIMEZONES: dict[str, str] = {
    "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "MO": "Asia/Macau", "TW": "Asia/Taipei",
    "SG": "Asia/Singapore", "MY": "Asia/Kuala_Lumpur", "PH": "Asia/Manila", "TH": "Asia/Bangkok",
    "VN": "Asia/Ho_Chi_Minh", "IN": "Asia/Kolkata", "PK": "Asia/Karachi", "BD": "Asia/Dhaka",
    "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "AE": "Asia/Dubai", "SA": "Asia/Riyadh", "IL": "Asia/Jerusalem",
    "TR": "Europe/Istanbul", "NG": "Africa/Lagos", "KE": "Africa/Nairobi", "ZA": "Africa/Johannesburg",
    "GB": "Europe/London", "IE": "Europe/Dublin", "FR": "Europe/Paris", "DE": "Europe/Berlin",
    "IT": "Europe/Rome", "ES": "Europe/Madrid", "PT": "Europe/Lisbon", "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels", "CH": "Europe/Zurich", "AT": "Europe/Vienna", "PL": "Europe/Warsaw",
    "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki",
    "GR": "Europe/Athens", "RO": "Europe/Bucharest", "CZ": "Europe/Prague", "HU": "Europe/Budapest",
    "CO": "America/Bogota", "PE": "America/Lima", "AR": "America/Argentina/Buenos_Aires",
    "NZ": "Pacific/Auckland", "PR": "America/Puerto_Rico",
}  # fmt: skip


class PhoneNumberInvalid(ValueError):
    """The text is not a valid phone number (for the given default region)."""


@dataclass(frozen=True)
class NormalisedPhone:
    e164: str
    timezones: tuple[str, ...]

    @property
    def timezones_text(self) -> str:
        return ",".join(self.timezones)


def phone_normalise(*, number: str, country: str) -> NormalisedPhone:
    """E.164 and implied time zones of ``number``; ``country`` is the region of national numbers.

    Raises ``PhoneNumberInvalid`` with a message that does not repeat the number.
    """
    try:
        parsed = phonenumbers.parse(number, country.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberInvalid(_("not a phone number")) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneNumberInvalid(
            _("not a valid phone number (for country %(country)s)") % {"country": country}
        )
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != UNKNOWN_ZONE)
    if len(",".join(zones)) > TIMEZONES_MAX_LENGTH:
        zones = ()
    return NormalisedPhone(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), zones)


@lru_cache(maxsize=1)
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_is_valid(name: str) -> bool:
    """True for a real IANA zone name (``America/New_York``), false for anything else."""
    return name in _iana_zones()


def country_is_known(country: str) -> bool:
    """True for an ISO 3166 alpha-2 code that phone numbering knows (upper case)."""
    return country in phonenumbers.SUPPORTED_REGIONS


def us_region_is_known(region: str) -> bool:
    return region.upper() in US_STATE_TIMEZONES


def timezone_from_address(*, country: str, region: str, postal_code: str) -> str | None:
    """The zone a US address implies, from the state refined by the ZIP prefix; None when it does not tell."""
    if country != "US":
        return None
    state = region.strip().upper()
    state_zone = US_STATE_TIMEZONES.get(state)
    if state_zone is None:
        return None
    split = US_ZIP3_TIMEZONES.get(postal_code.strip()[:3])
    return split[1] if split is not None and split[0] == state else state_zone


def timezone_from_phones(phones: list[NormalisedPhone]) -> str | None:
    """The zone of the first phone, when it implies exactly one."""
    if phones and len(phones[0].timezones) == 1:
        return phones[0].timezones[0]
    return None


def borrower_timezone_resolve(
    *,
    explicit: str | None,
    country: str,
    region: str = "",
    postal_code: str = "",
    phones: list[NormalisedPhone] | None = None,
    current: str | None = None,
) -> str | None:
    """The borrower's zone in the documented order; ``current`` (a stored zone) before the country default.

    ``explicit`` must already be validated. None means no source tells: ask for an explicit zone.
    """
    return (
        explicit
        or timezone_from_address(country=country, region=region, postal_code=postal_code)
        or timezone_from_phones(phones or [])
        or current
        or COUNTRY_TIMEZONES.get(country)
    )


def national_id_normalise(national_id: str) -> str:
    """Ids are compared without spaces and hyphens, in upper case ("123-45-6789" == "123456789")."""
    return "".join(ch for ch in national_id if ch not in " -").upper()


def national_id_hash(national_id: str) -> str:
    """Keyed HMAC-SHA256 of the normalised id, 64 hex characters: the id's blind index, under
    ``settings.PII_INDEX_KEY`` (which is ``PII_HASH_KEY``'s value unless set, so older hashes match)."""
    key = settings.PII_INDEX_KEY.encode()
    return hmac.new(key, national_id_normalise(national_id).encode(), hashlib.sha256).hexdigest()


def national_id_last4(national_id: str) -> str:
    return national_id_normalise(national_id)[-4:]
