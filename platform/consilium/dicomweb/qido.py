"""QIDO-RS (PS3.18 10.6): search the caller's site for studies, series and instances.

Only what the de-identified store holds can be matched or returned: pseudonymous patient ids,
shifted study dates, remapped UIDs, modalities and numbers. A query on anything else is ignored
and named in a `Warning` header, as PS3.18 8.3.4 asks. Each page costs a fixed number of SQL
queries, whatever its size.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword

from consilium.accounts.models import Site
from consilium.dicomweb.dicomjson import element
from consilium.dicomweb.errors import DicomwebError
from consilium.imaging.models import Instance, Series, Study
from consilium.imaging.selectors import uid_candidates

STUDY, SERIES, INSTANCE = "study", "series", "instance"
CONTROL_PARAMETERS = {"limit", "offset", "includefield", "fuzzymatching"}
DEIDENTIFIED_METHOD_NOTE = "YES"

# Matching keys the store can answer, per level, and the model field (relative to the study,
# series or instance row) each one matches.
STUDY_KEYS = {
    "StudyInstanceUID": "study_instance_uid",
    "PatientID": "patient__pseudonym",
    "PatientName": "patient__pseudonym",  # the de-identifier sets the name to the pseudonym
    "StudyDate": "study_date",
    "ModalitiesInStudy": "modalities",
}
SERIES_KEYS = {
    "SeriesInstanceUID": "series_instance_uid",
    "Modality": "modality",
    "SeriesNumber": "series_number",
}
INSTANCE_KEYS = {
    "SOPInstanceUID": "sop_instance_uid",
    "SOPClassUID": "sop_class_uid",
    "InstanceNumber": "instance_number",
}
LEVEL_KEYS = {
    STUDY: (STUDY_KEYS,),
    SERIES: (STUDY_KEYS, SERIES_KEYS),
    INSTANCE: (STUDY_KEYS, SERIES_KEYS, INSTANCE_KEYS),
}
# Attributes returned only when includefield asks for them (or `all`).
OPTIONAL_FIELDS = {
    STUDY: {"PatientIdentityRemoved"},
    SERIES: {"PatientIdentityRemoved"},
    INSTANCE: {"PatientIdentityRemoved", "AvailableTransferSyntaxUID"},
}


def _limits() -> tuple[int, int]:
    default = int(getattr(settings, "DICOMWEB_QIDO_DEFAULT_LIMIT", 100))
    maximum = int(getattr(settings, "DICOMWEB_QIDO_MAX_LIMIT", 1000))
    return default, maximum


@dataclass
class QidoQuery:
    level: str
    matches: dict[str, str]
    limit: int
    offset: int
    include_all: bool = False
    include: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def _attribute_keyword(name: str) -> str | None:
    """`PatientID` or `00100020` -> `PatientID`; None if neither names a DICOM attribute."""
    if re.fullmatch(r"[0-9A-Fa-f]{8}", name):
        return keyword_for_tag(int(name, 16)) or None
    return name if tag_for_keyword(name) is not None else None


def qido_query_parse(*, level: str, params: QueryDict) -> QidoQuery:
    """Read the query string; 400 with the reason for what cannot be understood."""
    default_limit, max_limit = _limits()
    query = QidoQuery(level=level, matches={}, limit=default_limit, offset=0)
    for name in ("limit", "offset"):
        if name in params:
            value = params[name].strip()
            if not value.isdigit():
                raise DicomwebError(400, f"{name} must be a whole number, not {value!r}.")
            setattr(query, name, int(value))
    if query.limit == 0:
        raise DicomwebError(400, "limit must be at least 1.")
    if query.limit > max_limit:
        query.limit = max_limit
        query.warnings.append(f"limit lowered to {max_limit}, the most this server returns")
    fuzzy = params.get("fuzzymatching", "false").strip().lower()
    if fuzzy not in ("true", "false"):
        raise DicomwebError(400, "fuzzymatching must be true or false.")
    if fuzzy == "true":
        query.warnings.append("fuzzymatching is not supported; literal matching was performed")

    supported = {key for keys in LEVEL_KEYS[level] for key in keys}
    for raw in params.getlist("includefield"):
        for name in filter(None, (piece.strip() for piece in raw.split(","))):
            if name.lower() == "all":
                query.include_all = True
                continue
            keyword = _attribute_keyword(name)
            if keyword is None:
                raise DicomwebError(400, f"includefield {name!r} is not a DICOM keyword or tag.")
            query.include.add(keyword)

    ignored = []
    for name, values in params.lists():
        if name in CONTROL_PARAMETERS:
            continue
        # Unknown names and sequence paths are ignored and reported, as PS3.18 8.3.4 asks.
        keyword = _attribute_keyword(name) if "." not in name else None
        if keyword not in supported:
            ignored.append(name)
            continue
        value = values[-1].strip()
        if value:
            query.matches[keyword] = value
    if ignored:
        query.warnings.append(
            "these parameters are not matching keys of the de-identified store and were ignored: "
            + ", ".join(sorted(ignored))
        )
    _validate_matches(query.matches)
    return query


def _date(text: str) -> date:
    if not re.fullmatch(r"\d{8}", text):
        raise DicomwebError(400, f"StudyDate {text!r} is not a date in YYYYMMDD form.")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as error:
        raise DicomwebError(400, f"StudyDate {text!r} is not a valid date.") from error


def _date_range(value: str) -> tuple[date | None, date | None]:
    """`a`, `a-b`, `a-` or `-b` (PS3.4 C.2.2.2.5)."""
    if "-" not in value:
        day = _date(value)
        return day, day
    start, _, end = value.partition("-")
    if not start and not end:
        raise DicomwebError(400, "A StudyDate range needs at least one end.")
    low = _date(start) if start else None
    high = _date(end) if end else None
    if low and high and low > high:
        raise DicomwebError(400, "The StudyDate range starts after it ends.")
    return low, high


def _validate_matches(matches: dict[str, str]) -> None:
    for keyword, value in matches.items():
        if keyword == "StudyDate":
            _date_range(value)
        elif keyword in ("SeriesNumber", "InstanceNumber"):
            if not re.fullmatch(r"[+-]?\d{1,10}", value):
                raise DicomwebError(400, f"{keyword} must be an integer, not {value!r}.")
        elif dictionary_VR(keyword) == "UI" and not all(
            re.fullmatch(r"[0-9.]{1,64}", uid) for uid in _values(value)
        ):
            raise DicomwebError(400, f"{keyword} must be UIDs separated by commas.")


def _values(value: str) -> list[str]:
    """A value list: comma-separated (PS3.18 uid-list) or backslash-separated (DICOM)."""
    return [piece.strip() for piece in re.split(r"[,\\]", value) if piece.strip()]


def _wildcard(field_name: str, value: str) -> Q:
    if "*" not in value and "?" not in value:
        return Q(**{field_name: value})
    pattern = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in value
    )
    return Q(**{f"{field_name}__regex": f"^{pattern}$"})


def _match(keyword: str, field_name: str, value: str) -> Q:
    if keyword == "StudyDate":
        low, high = _date_range(value)
        condition = Q()
        if low:
            condition &= Q(**{f"{field_name}__gte": low})
        if high:
            condition &= Q(**{f"{field_name}__lte": high})
        return condition
    if keyword in ("SeriesNumber", "InstanceNumber"):
        return Q(**{field_name: int(value)})
    if keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        candidates = set().union(*(uid_candidates(uid) for uid in _values(value)))
        return Q(**{f"{field_name}__in": candidates})
    if keyword == "ModalitiesInStudy":
        condition = Q()
        for modality in _values(value):
            condition |= (
                Q(**{field_name: modality})
                | Q(**{f"{field_name}__startswith": modality + "\\"})
                | Q(**{f"{field_name}__endswith": "\\" + modality})
                | Q(**{f"{field_name}__contains": "\\" + modality + "\\"})
            )
        return condition
    if keyword in ("Modality", "SOPClassUID"):
        return Q(**{f"{field_name}__in": _values(value)})
    return _wildcard(field_name, value)


def _filters(query: QidoQuery) -> Q:
    prefixes = {
        STUDY: ("", None, None),
        SERIES: ("study__", "", None),
        INSTANCE: ("series__study__", "series__", ""),
    }[query.level]
    condition = Q()
    for keys, prefix in zip((STUDY_KEYS, SERIES_KEYS, INSTANCE_KEYS), prefixes, strict=True):
        if prefix is None:
            continue
        for keyword, field_name in keys.items():
            if keyword in query.matches:
                condition &= _match(keyword, prefix + field_name, query.matches[keyword])
    return condition


@dataclass(frozen=True)
class QidoResult:
    matches: list[dict]
    more: bool  # results beyond this page exist
    warnings: list[str]


UrlFor = Callable[..., str]


def _wanted(query: QidoQuery, keyword: str) -> bool:
    return query.include_all or keyword in query.include


def _study_attributes(study: Study, query: QidoQuery, url_for: UrlFor) -> dict:
    pseudonym = study.patient.pseudonym if study.patient else ""
    attributes = {
        "00080020": element("DA", study.study_date.strftime("%Y%m%d"))
        if study.study_date
        else {"vr": "DA"},
        "00080056": element("CS", "ONLINE"),
        "00080061": element("CS", *[m for m in study.modalities.split("\\") if m]),
        "00081190": element("UR", url_for(study.study_instance_uid)),
        "00100010": {"vr": "PN", "Value": [{"Alphabetic": pseudonym}]}
        if pseudonym
        else {"vr": "PN"},
        "00100020": element("LO", pseudonym),
        "0020000D": element("UI", study.study_instance_uid),
    }
    if hasattr(study, "series_count"):
        attributes["00201206"] = element("IS", study.series_count)
        attributes["00201208"] = element("IS", study.instance_count)
    if _wanted(query, "PatientIdentityRemoved"):
        attributes["00120062"] = element("CS", DEIDENTIFIED_METHOD_NOTE)
    return attributes


def _series_attributes(series: Series, query: QidoQuery, url_for: UrlFor) -> dict:
    study_uid = series.study.study_instance_uid
    attributes = {
        "00080056": element("CS", "ONLINE"),
        "00080060": element("CS", series.modality),
        "00081190": element("UR", url_for(study_uid, series.series_instance_uid)),
        "0020000D": element("UI", study_uid),
        "0020000E": element("UI", series.series_instance_uid),
        "00200011": element("IS", series.series_number)
        if series.series_number is not None
        else {"vr": "IS"},
    }
    if hasattr(series, "instance_count"):
        attributes["00201209"] = element("IS", series.instance_count)
    if _wanted(query, "PatientIdentityRemoved"):
        attributes["00120062"] = element("CS", DEIDENTIFIED_METHOD_NOTE)
    return attributes


def _instance_attributes(instance: Instance, query: QidoQuery, url_for: UrlFor) -> dict:
    series = instance.series
    attributes = {
        "00080016": element("UI", instance.sop_class_uid),
        "00080018": element("UI", instance.sop_instance_uid),
        "00080056": element("CS", "ONLINE"),
        "00081190": element(
            "UR",
            url_for(
                series.study.study_instance_uid,
                series.series_instance_uid,
                instance.sop_instance_uid,
            ),
        ),
        "0020000D": element("UI", series.study.study_instance_uid),
        "0020000E": element("UI", series.series_instance_uid),
        "00200013": element("IS", instance.instance_number)
        if instance.instance_number is not None
        else {"vr": "IS"},
    }
    if instance.rows:
        attributes["00280010"] = element("US", instance.rows)
        attributes["00280011"] = element("US", instance.columns)
        attributes["00280008"] = element("IS", instance.number_of_frames)
    if _wanted(query, "AvailableTransferSyntaxUID") and instance.transfer_syntax_uid:
        attributes["00083002"] = element("UI", instance.transfer_syntax_uid)
    if _wanted(query, "PatientIdentityRemoved"):
        attributes["00120062"] = element("CS", DEIDENTIFIED_METHOD_NOTE)
    return attributes


def _page(queryset: QuerySet, query: QidoQuery) -> tuple[list, bool]:
    rows = list(queryset[query.offset : query.offset + query.limit + 1])
    return rows[: query.limit], len(rows) > query.limit


def _unknown_includes(query: QidoQuery) -> None:
    held = (
        set().union(*LEVEL_KEYS[query.level])
        | OPTIONAL_FIELDS[query.level]
        | {
            "InstanceAvailability",
            "RetrieveURL",
            "NumberOfStudyRelatedSeries",
            "NumberOfStudyRelatedInstances",
            "NumberOfSeriesRelatedInstances",
            "Rows",
            "Columns",
            "NumberOfFrames",
        }
    )
    missing = sorted(query.include - held)
    if missing:
        query.warnings.append(
            "these includefield attributes are not held in the de-identified store: "
            + ", ".join(missing)
        )


def qido_search(
    *,
    site: Site,
    query: QidoQuery,
    url_for: UrlFor,
    study: Study | None = None,
    series: Series | None = None,
) -> QidoResult:
    """One page of matches at `query.level`, within `study` / `series` when the URL names one."""
    _unknown_includes(query)
    condition = _filters(query)
    if query.level == STUDY:
        studies = (
            Study.objects.filter(site=site)
            .filter(condition)
            .select_related("patient")
            .annotate(
                series_count=Count("series", distinct=True),
                instance_count=Count("series__instances"),
            )
            .order_by("-created_at", "-id")
        )
        rows, more = _page(studies, query)
        matches = [_study_attributes(row, query, url_for) for row in rows]
    elif query.level == SERIES:
        scope = Series.objects.filter(study__site=site)
        if study is not None:
            scope = scope.filter(study=study)
        found = (
            scope.filter(condition)
            .select_related("study__patient")
            .annotate(instance_count=Count("instances"))
            .order_by("study_id", "series_number", "id")
        )
        rows, more = _page(found, query)
        matches = []
        for row in rows:
            attributes = _series_attributes(row, query, url_for)
            if study is None:
                attributes = {**_study_attributes(row.study, query, url_for), **attributes}
            matches.append(attributes)
    else:
        scope = Instance.objects.filter(series__study__site=site)
        if series is not None:
            scope = scope.filter(series=series)
        elif study is not None:
            scope = scope.filter(series__study=study)
        found = (
            scope.filter(condition)
            .select_related("series__study__patient")
            .order_by(
                "series__study_id", "series__series_number", "series_id", "instance_number", "id"
            )
        )
        rows, more = _page(found, query)
        matches = []
        for row in rows:
            attributes = _instance_attributes(row, query, url_for)
            if series is None:
                attributes = {**_series_attributes(row.series, query, url_for), **attributes}
            if study is None:
                attributes = {**_study_attributes(row.series.study, query, url_for), **attributes}
            matches.append(attributes)
    warnings = list(query.warnings)
    if more:
        warnings.append("there are more results: ask again with a larger offset")
    return QidoResult([dict(sorted(match.items())) for match in matches], more, warnings)
