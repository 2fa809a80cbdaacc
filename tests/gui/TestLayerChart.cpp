// The per-layer chart and the report exports on hand-made report rows: ranking of the worst points (ties,
// infinite SQNRs), what the plot holds, stacked points in one tooltip, the CSV's exact numbers, and exports
// that fail without leaving a file.
#include "report/LayerSeries.h"
#include "report/ReportExport.h"
#include "widgets/LayerChart.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace lathe;
using namespace lathe::ui;

namespace {

compile::LinearReport row(int layer, const char* projection, double isolated, double propagated, double clip = 0)
{
    compile::LinearReport r;
    r.layer = layer;
    r.projection = projection;
    r.group = layer < 0 ? "head" : "query";
    r.weightBits = 4;
    r.activationBits = 8;
    r.sqnrIsolatedDb = isolated;
    r.sqnrPropagatedDb = propagated;
    r.activationClipRate = clip;
    return r;
}

QStringList names(const std::vector<compile::LinearReport>& rows)
{
    QStringList out;
    for (const auto& r : rows) out << rowName(r);
    return out;
}

}  // namespace

class TestLayerChart : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void worstRowsRankAndSkipInfinity()
    {
        const double inf = std::numeric_limits<double>::infinity();
        const std::vector<compile::LinearReport> rows = {
            row(0, "q_proj", 20.0, 19.0, 0.002), row(0, "k_proj", inf, 25.0, 0.001),
            row(1, "q_proj", 15.5, 14.0, 0.004), row(1, "k_proj", 15.5, 30.0, 0.004),
            row(-1, "lm_head", 18.0, 12.0, 0.0)};
        QCOMPARE(names(worstRows(rows, LayerMetric::SqnrIsolated, 3)),
                 (QStringList{"layer 1 q_proj", "layer 1 k_proj", "lm_head"}));
        QCOMPARE(names(worstRows(rows, LayerMetric::SqnrPropagated, 2)), (QStringList{"lm_head", "layer 1 q_proj"}));
        QCOMPARE(names(worstRows(rows, LayerMetric::ActivationClipRate, 3)),
                 (QStringList{"layer 1 q_proj", "layer 1 k_proj", "layer 0 q_proj"}));
        QCOMPARE(names(worstRows(rows, LayerMetric::SqnrIsolated, 10)).size(), 4);  // never the infinite one
        QCOMPARE(formatSqnr(inf), QStringLiteral("∞ dB"));
        QCOMPARE(formatSqnr(12.345678), QStringLiteral("12.3457 dB"));
        QCOMPARE(formatClipRate(0.00010681), QStringLiteral("0.01068 %"));
    }

    void chartHoldsFinitePointsAndStacksTooltips()
    {
        const double inf = std::numeric_limits<double>::infinity();
        LayerChart chart(QStringLiteral("chart"), LayerMetric::SqnrIsolated);
        chart.resize(800, 500);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        // k_proj of layer 1 sits exactly on q_proj of layer 1; v_proj of layer 0 is infinite (nothing differed).
        chart.setRows({row(0, "q_proj", 20.0, 19.0), row(1, "q_proj", 15.5, 14.0), row(1, "k_proj", 15.5, 30.0),
                       row(0, "v_proj", inf, 40.0), row(-1, "lm_head", 18.0, 12.0)},
                      2);
        QCOMPARE(chart.rowCount(), 5);
        const QVariantMap series = chart.seriesData();
        QCOMPARE(series.value("q_proj").toList(), (QVariantList{QPointF(0, 20.0), QPointF(1, 15.5)}));
        QCOMPARE(series.value("k_proj").toList(), (QVariantList{QPointF(1, 15.5)}));
        QVERIFY(series.value("v_proj").toList().isEmpty());
        QCOMPARE(series.value("lm_head").toList(), (QVariantList{QPointF(2, 18.0)}));
        QCOMPARE(chart.worstPoints(), (QStringList{"layer 1 q_proj", "layer 1 k_proj", "lm_head"}));
        QCOMPARE(chart.pointPosition(QStringLiteral("v_proj"), 0), QPoint(-1, -1));

        QTest::qWait(50);
        auto* plot = chart.findChild<QWidget*>(QStringLiteral("chartPlot"));
        QVERIFY(plot);
        const QPoint stacked = chart.pointPosition(QStringLiteral("q_proj"), 1);
        QCOMPARE(chart.pointPosition(QStringLiteral("k_proj"), 1), stacked);
        QTest::mouseMove(plot, stacked);
        QTRY_VERIFY(!chart.hoverText().isEmpty());
        const QStringList parts = chart.hoverText().split(QStringLiteral("\n\n"));
        QCOMPARE(parts.size(), 2);
        QVERIFY(parts[0].startsWith(QStringLiteral("layer 1 q_proj (query)\nSQNR isolated: 15.5000 dB\n")));
        QVERIFY(parts[1].startsWith(QStringLiteral("layer 1 k_proj (query)\nSQNR isolated: 15.5000 dB\n")));

        // The clipping view plots percent and ranks the most clipped first.
        chart.setMetric(LayerMetric::ActivationClipRate);
        QCOMPARE(chart.seriesData().value("q_proj").toList().size(), 2);
        QCOMPARE(chart.seriesData().value("q_proj").toList().at(0).toPointF().y(), 0.0);

        // Rows arriving layer by layer (a running compile) add up to the same chart.
        LayerChart live(QStringLiteral("live"), LayerMetric::SqnrIsolated);
        live.setRows({}, 2);
        live.appendRows({row(0, "q_proj", 20.0, 19.0)});
        live.appendRows({row(1, "q_proj", 15.5, 14.0)});
        QCOMPARE(live.seriesData().value("q_proj").toList(), (QVariantList{QPointF(0, 20.0), QPointF(1, 15.5)}));
    }

    void csvHoldsExactNumbers()
    {
        compile::LinearReport r =
            row(3, "down_proj", 21.123456789012345, std::numeric_limits<double>::infinity(), 1.0 / 3.0);
        r.group = "ffn";
        r.weightScaleMin = 0.1;
        r.gptqDamping = 1e-300;
        const QList<QByteArray> lines = reportCsv({r}).split('\n');
        QCOMPARE(lines.size(), 3);  // header, row, empty after the last newline
        QCOMPARE(lines[0], QByteArray("layer,projection,group,weight_bits,activation_bits,sqnr_isolated_db,"
                                      "sqnr_propagated_db,weight_scale_min,weight_scale_max,weight_scale_mean,"
                                      "weight_clip_rate,activation_scale,activation_abs_max,activation_clip_rate,"
                                      "gptq_damping"));
        const QList<QByteArray> cells = lines[1].split(',');
        QCOMPARE(cells.size(), 15);
        QCOMPARE(cells[0], QByteArray("3"));
        QCOMPARE(cells[1], QByteArray("down_proj"));
        QCOMPARE(cells[2], QByteArray("ffn"));
        QCOMPARE(cells[5].toDouble(), 21.123456789012345);
        QCOMPARE(cells[6], QByteArray("inf"));
        QCOMPARE(cells[7].toDouble(), 0.1);
        QCOMPARE(cells[13].toDouble(), 1.0 / 3.0);
        QCOMPARE(cells[14].toDouble(), 1e-300);
        QVERIFY(lines[2].isEmpty());
    }

    void exportsWriteWholeFilesOrNothing()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        LayerChart chart(QStringLiteral("chart"), LayerMetric::SqnrIsolated);
        chart.setRows({row(0, "q_proj", 20.0, 19.0), row(-1, "lm_head", 18.0, 12.0)}, 1);
        QVERIFY(exportPng(chart.plot(), dir.filePath("c.png")).isEmpty());
        QCOMPARE(QImage(dir.filePath("c.png")).size(), QSize(kExportWidthPx, kExportHeightPx));
        QVERIFY(exportSvg(chart.plot(), dir.filePath("c.svg")).isEmpty());
        QVERIFY(QFile(dir.filePath("c.svg")).size() > 500);

        const QString missing = dir.filePath("no/such/folder/c.png");
        const QString error = exportPng(chart.plot(), missing);
        QVERIFY2(error.startsWith(QStringLiteral("Cannot write ") + QDir::toNativeSeparators(missing)),
                 qPrintable(error));
        QVERIFY(!QFile::exists(missing));
        QVERIFY(!writeFileAtomically(dir.filePath("no/such/x.csv"), "a").isEmpty());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files, QDir::Name), (QStringList{"c.png", "c.svg"}));
    }
};

QTEST_MAIN(TestLayerChart)
#include "TestLayerChart.moc"
