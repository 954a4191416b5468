#!/usr/bin/env python3
"""Validates a spantag W3C Web Annotation export against the W3C annotation-model
JSON Schemas (wpt's draft-04 definitions in tests/fixtures/w3c-schemas/).

Usage: python3 tests/w3c_validate.py FILE.jsonld

Checks, for the AnnotationCollection and its first AnnotationPage, wpt's
collection definitions; for every Annotation, wpt's 14 `annotationMusts`
assertions (restated below, pointing into the copied definitions), plus
motivation and body purpose values, TextualBody shape and, because draft-04
ignores keywords next to `$ref` (so wpt never checks selectors), every
TextQuoteSelector and TextPositionSelector against its definition. Formats `uri`
and `date-time` are enforced with small local checkers, since jsonschema only
checks them when optional packages are installed. Exits 1 with one line per
error.
"""
import json
import re
import sys
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

HERE = Path(__file__).resolve().parent / "fixtures" / "w3c-schemas"


def registry():
    resources = []
    for f in sorted(HERE.glob("*.json")):
        resources.append((f.name, Resource(json.loads(f.read_text(encoding="utf-8")), specification=DRAFT4)))
    return Registry().with_resources(resources)


def ref(target, **extra):
    return {"$schema": "http://json-schema.org/draft-04/schema#", "id": "local.json", "$ref": target, **extra}


def obj(**kw):
    return {"$schema": "http://json-schema.org/draft-04/schema#", "id": "local.json", "type": "object", **kw}


# wpt annotation-model/annotations/annotationMusts.test, assertion by assertion.
MUSTS = {
    "3.1-annotationContextValidated": obj(required=["@context"], properties={"@context": {"oneOf": [
        {"$ref": "annotations.json#/definitions/contextValueFound"},
        {"$ref": "annotations.json#/definitions/contextValueInArrayFound"}]}}),
    "3.1-annotationIdValidated": ref("id.json#/definitions/idValueFound"),
    "3.1-annotationTypeValidated": {"id": "local.json", "allOf": [{"$ref": "annotations.json#/definitions/annotationTypeValueFound"}]},
    "3.1-targetKeyFound": obj(required=["target"]),
    "3.2-targetObjectsRecognized": obj(properties={"target": {"oneOf": [
        {"$ref": "bodyTarget.json#/definitions/targetResourcesFound"},
        {"type": ["array"], "items": {"$ref": "bodyTarget.json#/definitions/targetResourcesFound"}}]}}),
    "3.2.5-notBodyBodyValue": obj(**{"not": {"required": ["body", "bodyValue"]}}),
    "3.2-bodyObjectsRecognized": obj(properties={"body": {"oneOf": [
        {"$ref": "bodyTarget.json#/definitions/bodyResourcesFound"},
        {"type": ["array"], "items": {"$ref": "bodyTarget.json#/definitions/bodyResourcesFound"}}]}}),
    "3.2.5-bodyValueValidated": {"id": "local.json", "allOf": [{"$ref": "annotations.json#/definitions/bodyValueValidIfPresent"}]},
    "3.3.1-annotationCreatedValidated": obj(allOf=[{"$ref": "otherProperties.json#/definitions/createdValidIfPresent"}]),
    "3.3.1-annotationModifiedValidated": obj(allOf=[{"$ref": "otherProperties.json#/definitions/modifiedValidIfPresent"}]),
    "3.3.1-annotationGeneratedValidated": obj(allOf=[{"$ref": "otherProperties.json#/definitions/generatedValidIfPresent"}]),
    "3.3.6-annotationRightsValidated": obj(allOf=[{"$ref": "otherProperties.json#/definitions/rightsValidIfPresent"}]),
    "3.3.7-annotationCanonicalValidated": obj(allOf=[{"$ref": "otherProperties.json#/definitions/canonicalValidIfPresent"}]),
    "3.3.7-annotationViaValidated": obj(allOf=[{"$ref": "otherProperties.json#/definitions/viaValidIfPresent"}]),
}

# Local rules: what a spantag annotation uses must be recognised values.
LOCAL = {
    "motivation": {"id": "local.json", "allOf": [{"$ref": "annotations.json#/definitions/motivationRecognizedIfPresent"},
                                                 {"$ref": "annotations.json#/definitions/motivationSingularIfPresent"}]},
}
COLLECTION = {
    "collection type": ref("collections.json#/definitions/annotationCollectionTypeValueFound"),
    "collection label": ref("collections.json#/definitions/labelDefinition"),
    "collection total": ref("collections.json#/definitions/totalDefinition"),
    "collection first": ref("collections.json#/definitions/firstValidIfPresent"),
}
PAGE = {
    "page type": ref("collections.json#/definitions/annotationPageTypeValueFound"),
    "page items": ref("collections.json#/definitions/itemsFound"),
}
BODY_PURPOSE = ref("otherProperties.json#/definitions/purposeRecognizedIfPresent")
TEXTUAL_BODY = ref("bodyTarget.json#/definitions/textualBodyFound")
QUOTE = ref("specificResource.json#/definitions/textQuoteSelectorDetected")
POSITION = ref("specificResource.json#/definitions/textPositionSelectorDetected")

URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def checker():
    c = jsonschema.FormatChecker(formats=())
    c.checks("uri")(lambda v: not isinstance(v, str) or bool(URI.match(v)))
    c.checks("date-time")(lambda v: not isinstance(v, str) or bool(DATE_TIME.match(v)))
    return c


def main(path):
    reg = registry()
    fc = checker()
    errors = []

    def check(name, schema, instance, where):
        v = jsonschema.Draft4Validator(schema, registry=reg, format_checker=fc)
        for e in v.iter_errors(instance):
            errors.append(f"{where}: {name}: {e.message[:200]}")

    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    check("collection @context", MUSTS["3.1-annotationContextValidated"], doc, "collection")
    for name, schema in COLLECTION.items():
        check(name, schema, doc, "collection")
    first = doc.get("first")
    if doc.get("total", 0) > 0 and not isinstance(first, dict):
        errors.append("collection: a collection with annotations needs an embedded first page")
    items = (first or {}).get("items", [])
    for name, schema in PAGE.items():
        check(name, schema, first or {}, "page")
    if len(items) != doc.get("total"):
        errors.append(f"collection: total is {doc.get('total')} but the page has {len(items)} items")
    for idx, ann in enumerate(items):
        where = f"annotation {idx + 1} ({ann.get('id')})"
        for name, schema in MUSTS.items():
            check(name, schema, ann, where)
        for name, schema in LOCAL.items():
            check(name, schema, ann, where)
        bodies = ann.get("body", [])
        for body in bodies if isinstance(bodies, list) else [bodies]:
            if isinstance(body, dict):
                check("body purpose", BODY_PURPOSE, body, where)
                check("TextualBody", TEXTUAL_BODY, body, where)
            elif not URI.match(body):
                errors.append(f"{where}: body {body!r} is not a URI")
        targets = ann.get("target")
        for target in targets if isinstance(targets, list) else [targets]:
            if isinstance(target, str):
                if not URI.match(target):
                    errors.append(f"{where}: target {target!r} is not a URI")
                continue
            if not URI.match(target.get("source", "")):
                errors.append(f"{where}: target source is not a URI")
            for sel in target.get("selector", []):
                kind = sel.get("type")
                if kind == "TextQuoteSelector":
                    check("TextQuoteSelector", QUOTE, sel, where)
                elif kind == "TextPositionSelector":
                    check("TextPositionSelector", POSITION, sel, where)
                    if not (isinstance(sel.get("start"), int) and isinstance(sel.get("end"), int) and 0 <= sel["start"] <= sel["end"]):
                        errors.append(f"{where}: TextPositionSelector needs integers 0 <= start <= end")
                else:
                    errors.append(f"{where}: unexpected selector {kind!r}")
    for e in errors:
        print(e)
    print(f"{path}: {len(items)} annotations, {len(errors)} errors", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
