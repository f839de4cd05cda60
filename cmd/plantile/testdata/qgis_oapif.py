"""Reads an OGC API - Features collection of plantile in QGIS, headless, the
way the README's QGIS how-to sets it up (Layer > Add WFS / OGC API - Features
layer, URL BASE/ogc): QGIS's "OAPIF" provider pages through the items by their
next links. Writes every feature QGIS got, with its attributes, as JSON to OUT
and prints a short JSON report on stdout.

Run with Debian's /usr/bin/python3 (python3-qgis) and QT_QPA_PLATFORM=offscreen:
    qgis_oapif.py BASE_URL/ogc COLLECTION OUT.json
"""
import json
import os
import sys

from qgis.core import QgsApplication, QgsDataSourceUri, QgsMessageLog, QgsVectorLayer

MESSAGES = []


def log(message, tag, level):
    MESSAGES.append(f"{tag}: {message}")


def value(v):
    """A QGIS attribute as JSON: NULL as None, QVariant types unwrapped."""
    if v is None or (hasattr(v, "isNull") and v.isNull()):
        return None
    if isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def main():
    url, collection, out = sys.argv[1:4]
    app = QgsApplication([], False)
    app.initQgis()
    QgsApplication.messageLog().messageReceived.connect(log)
    uri = QgsDataSourceUri()
    uri.setParam("url", url)
    uri.setParam("typename", collection)
    layer = QgsVectorLayer(uri.uri(False), collection, "OAPIF")
    report = {"valid": layer.isValid(), "uri": uri.uri(False)}
    features = []
    fields = []
    if layer.isValid():
        fields = [f.name() for f in layer.fields()]
        for f in layer.getFeatures():
            g = f.geometry()
            first = None
            if g is not None and not g.isEmpty():
                p = g.vertexAt(0)
                first = [p.x(), p.y()]
            features.append({
                "attributes": {n: value(f[n]) for n in fields},
                "first_vertex": first,
            })
    report["fields"] = fields
    report["count"] = len(features)
    report["messages"] = MESSAGES[-20:]
    report["crs"] = layer.crs().authid() if layer.isValid() else ""
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(features, fh, ensure_ascii=False)
    print(json.dumps(report))
    sys.stdout.flush()
    # QGIS 3.22 crashes in exitQgis while an OAPIF layer is alive; the
    # report is written, so leave without tearing QGIS down.
    os._exit(0)


if __name__ == "__main__":
    main()
