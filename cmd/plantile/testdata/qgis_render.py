"""Renders a plantile vector tileset in QGIS, headless, the way the README's
QGIS how-to sets it up: an XYZ vector tile connection plus the MapLibre style
URL converted by QGIS's own style converter. Prints a JSON report on stdout.

Run with Debian's /usr/bin/python3 (python3-qgis) and QT_QPA_PLATFORM=offscreen:
    qgis_render.py BASE_URL TILESET STYLE LON LAT SPAN_M OUT.png
"""
import json
import sys
import urllib.request

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsMapBoxGlStyleConversionContext,
    QgsMapBoxGlStyleConverter,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main():
    base, tileset, style_name, lon, lat, span, out = sys.argv[1:8]
    lon, lat, span = float(lon), float(lat), float(span)
    app = QgsApplication([], False)
    app.initQgis()
    report = {"qgis": app.version() if hasattr(app, "version") else ""}

    tiles = json.load(urllib.request.urlopen(f"{base}/tiles/{tileset}.json"))
    uri = "type=xyz&url={}&zmin={}&zmax={}".format(
        f"{base}/tiles/{tileset}/{{z}}/{{x}}/{{y}}.pbf", tiles["minzoom"], tiles["maxzoom"])
    layer = QgsVectorTileLayer(uri, tileset)
    report["valid"] = layer.isValid()

    style = json.load(urllib.request.urlopen(f"{base}/styles/{style_name}.json"))
    conv = QgsMapBoxGlStyleConverter()
    ctx = QgsMapBoxGlStyleConversionContext()
    result = conv.convert(style, ctx)
    report["convert_result"] = int(result)
    report["convert_warnings"] = list(ctx.warnings())
    renderer = conv.renderer()
    report["renderer_styles"] = [s.styleName() for s in renderer.styles()] if renderer else []
    if renderer:
        layer.setRenderer(renderer.clone())
    if conv.labeling():
        layer.setLabeling(conv.labeling().clone())

    merc = QgsCoordinateReferenceSystem("EPSG:3857")
    tr = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), merc, QgsProject.instance())
    c = tr.transform(QgsPointXY(lon, lat))
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(merc)
    settings.setExtent(QgsRectangle(c.x() - span / 2, c.y() - span / 2, c.x() + span / 2, c.y() + span / 2))
    settings.setOutputSize(QSize(512, 512))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    img.save(out)
    report["errors"] = [e.message for e in job.errors()]

    colours = {}
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            rgb = "#%06X" % (img.pixel(x, y) & 0xFFFFFF)
            colours[rgb] = colours.get(rgb, 0) + 1
    report["samples"] = sum(colours.values())
    report["colours"] = dict(sorted(colours.items(), key=lambda kv: -kv[1])[:40])
    print(json.dumps(report))
    app.exitQgis()


main()
