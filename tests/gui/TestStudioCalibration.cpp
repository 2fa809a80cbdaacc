// Steps 3-5 in one window against the mock Hub: download stories260K, generate calibration samples for two
// languages from the Wikipedia-shaped dataset (every sample recomputed by check_calib.py with spm_encode and
// python3-torch), the tokenizer preview (checked against spm_encode), context validation, and the estimated
// compiled size on the quantization page (computed here from config.json).
#include "CalibTestSupport.h"
#include "StudioHubSupport.h"
#include "TestSupport.h"
#include "lathe/data/Npy.h"
#include "lathe/ui/MainWindow.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include <memory>

using namespace lathe::test;
using lathe::ui::MainWindow;

namespace {
const QString kStories = QStringLiteral("karpathy/stories260K");
const QString kTagFolder = QStringLiteral("karpathy-stories260K");

// out·⌈in·bits/8⌉ + one float32 scale per row (and group), or out·in·2 for 16 bits: per linear of the model.
qint64 expectedCompiledBytes(const QJsonObject& c, const QMap<QString, int>& bits, int groupSize)
{
    const qint64 h = c[QStringLiteral("hidden_size")].toInteger();
    const qint64 ffn = c[QStringLiteral("intermediate_size")].toInteger();
    const qint64 layers = c[QStringLiteral("num_hidden_layers")].toInteger();
    const qint64 heads = c[QStringLiteral("num_attention_heads")].toInteger();
    const qint64 kvHeads = c.contains(QStringLiteral("num_key_value_heads"))
                               ? c[QStringLiteral("num_key_value_heads")].toInteger()
                               : heads;
    const qint64 headDim =
        c.contains(QStringLiteral("head_dim")) ? c[QStringLiteral("head_dim")].toInteger() : h / heads;
    const qint64 vocab = c[QStringLiteral("vocab_size")].toInteger();
    struct Linear {
        QString group;
        qint64 out, in, count;
    };
    const QList<Linear> linears = {{"query", heads * headDim, h, layers},
                                   {"key", kvHeads * headDim, h, layers},
                                   {"value", kvHeads * headDim, h, layers},
                                   {"output", h, heads * headDim, layers},
                                   {"ffn", ffn, h, layers},
                                   {"ffn", ffn, h, layers},
                                   {"ffn", h, ffn, layers},
                                   {"head", vocab, h, 1}};
    qint64 total = 0;
    for (const Linear& l : linears) {
        const int b = bits.value(l.group);
        const qint64 scales = groupSize > 0 ? (l.in + groupSize - 1) / groupSize : 1;
        total += (l.out * ((l.in * b + 7) / 8) + l.out * scales * 4) * l.count;
    }
    return total;
}

QStringList checkedLanguages(QListWidget* list)
{
    QStringList out;
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->checkState() == Qt::Checked) out << list->item(i)->data(Qt::UserRole).toString();
    return out;
}

QMap<QString, int> preset(int bits, int valueBits)
{
    return {{"query", bits}, {"key", bits}, {"value", valueBits}, {"output", bits}, {"ffn", bits}, {"head", bits}};
}
}  // namespace

class TestStudioCalibration : public QObject {
    Q_OBJECT

    StudioSandbox m_sandbox;
    std::unique_ptr<MockHubServer> m_server;
    QString m_corpusJson;
    std::unique_ptr<MainWindow> m_window;
    QString m_snapshot;
    QString m_output;

    template <typename T>
    T* child(const char* name)
    {
        return m_window->findChild<T*>(QLatin1String(name));
    }
    QString text(const char* name) { return child<QLabel>(name)->text(); }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = setUpStoriesAndWikipedia(m_sandbox);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QString stories = m_sandbox.path(QStringLiteral("work/stories260K"));
        const QString wiki = m_sandbox.path(QStringLiteral("work/wiki"));
        const QJsonObject expected = QJsonDocument::fromJson(readAll(wiki + QStringLiteral("/expected.json"))).object();
        QJsonObject corpus;
        for (const QString& lang : expected[QStringLiteral("languages")].toObject().keys()) {
            QJsonArray docs;
            for (const auto& a : expected[QStringLiteral("languages")]
                                     .toObject()[lang]
                                     .toObject()[QStringLiteral("articles")]
                                     .toArray())
                docs.append(QJsonObject{{QStringLiteral("text"), a.toObject()[QStringLiteral("text")]}});
            corpus[lang] = docs;
        }
        m_corpusJson = m_sandbox.path(QStringLiteral("work/corpus.json"));
        QVERIFY(writeFile(m_corpusJson, QJsonDocument(corpus).toJson()));

        MockHubServer::Options o;
        o.repos = {{kStories, stories, MockHubServer::RepoKind::Public}};
        o.datasetRepos = {{QStringLiteral("wikimedia/wikipedia"), wiki + QStringLiteral("/dataset")}};
        const QString started = startStudioHub(m_sandbox, m_server, o);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        m_output = m_sandbox.path(QStringLiteral("work/output"));

        m_window = std::make_unique<MainWindow>();
        m_window->show();
    }

    void cleanupTestCase() { m_window.reset(); }

    void downloadTheModel()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("projectPage")));
        typeInto(child<QLineEdit>("outputDirEdit"), m_output);
        QVERIFY(showStep(*m_window, QStringLiteral("modelPage")));
        typeInto(child<QLineEdit>("repoIdEdit"), kStories);
        QString error;
        m_snapshot = downloadShownModel(m_window.get(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(QFileInfo(m_snapshot + QStringLiteral("/config.json")).isFile());
    }

    void tokenizerPreviewMatchesSentencePiece()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("calibrationPage")));
        auto* preview = child<QPlainTextEdit>("previewTextEdit");
        const QString sample = QStringLiteral("Once upon a time, Lily saw a big red ball in the park.");
        preview->setFocus();
        preview->selectAll();
        QTest::keyClicks(preview, sample);
        QFile input(m_sandbox.path(QStringLiteral("work/sample.txt")));
        QVERIFY(input.open(QIODevice::WriteOnly));
        input.write(sample.toUtf8() + '\n');
        input.close();
        const ProcessResult spm = runProcess(
            QStringLiteral("spm_encode"),
            {QStringLiteral("--model"), tok512Model(), QStringLiteral("--output_format=id"), input.fileName()});
        QVERIFY2(spm.exitCode == 0, spm.err.constData());
        const QString ids =
            QStringLiteral("1 ") + QString::fromUtf8(spm.out).trimmed();  // BOS, as AutoTokenizer adds it
        auto* tokens = child<QPlainTextEdit>("tokenPreview");
        QTRY_VERIFY_WITH_TIMEOUT(tokens->toPlainText().endsWith(ids), 15000);
        const QString pieces = tokens->toPlainText().section(QLatin1Char('\n'), 0, 0);
        QVERIFY2(pieces.startsWith(QStringLiteral("|⟨bos⟩|Once| upon|")), qPrintable(pieces));
        QCOMPARE(QString(pieces).remove(QStringLiteral("⟨bos⟩")).remove(QLatin1Char('|')), sample);
        QCOMPARE(child<QLabel>("tokenCountLabel")->property("tokenCount").toLongLong(),
                 ids.split(QLatin1Char(' ')).size());
    }

    void generateSamplesForTwoLanguages()
    {
        QWidget* page = showStep(*m_window, QStringLiteral("calibrationPage"));
        auto* languages = child<QListWidget>("languageList");
        for (int i = 0; i < languages->count(); ++i) {
            QListWidgetItem* item = languages->item(i);
            const bool wanted = item->data(Qt::UserRole).toString() == QStringLiteral("ja");
            if (wanted) {
                languages->setFocus();
                languages->setCurrentItem(item);
                QTest::keyClick(languages, Qt::Key_Space);
                QCOMPARE(item->checkState(), Qt::Checked);
            }
        }
        typeInto(child<QSpinBox>("minSeqLenSpin"), QStringLiteral("32"));
        typeInto(child<QSpinBox>("samplesSpin"), QStringLiteral("4"));
        QVERIFY(child<QCheckBox>("mergeCheck")->isChecked());
        auto* run = child<QPushButton>("runCalibrationButton");
        auto* validation = child<QLabel>("calibValidationLabel");
        // A maximum beyond the model's context (from its config.json) is refused inline.
        const int context = QJsonDocument::fromJson(readAll(m_snapshot + QStringLiteral("/config.json")))
                                .object()[QStringLiteral("max_position_embeddings")]
                                .toInt();
        QVERIFY(context > 128);
        typeInto(child<QSpinBox>("maxSeqLenSpin"), QString::number(context + 1));
        QVERIFY(!run->isEnabled());
        QCOMPARE(validation->text(), QStringLiteral("The maximum length (%1) exceeds the model's context of %2 tokens.")
                                         .arg(context + 1)
                                         .arg(context));
        typeInto(child<QSpinBox>("maxSeqLenSpin"), QStringLiteral("128"));
        QVERIFY2(validation->isHidden(), qPrintable(validation->text()));
        QVERIFY(run->isEnabled());

        QTest::mouseClick(run, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(text("calibStatusLabel").startsWith(QStringLiteral("Done")) ||
                                     child<QLabel>("calibErrorLabel")->isVisible(),
                                 120000);
        QVERIFY2(!child<QLabel>("calibErrorLabel")->isVisible(), qPrintable(text("calibErrorLabel")));
        QCOMPARE(text("calibStatusLabel"), QStringLiteral("Done: 8 samples."));

        const QString tagFolder = m_output + QStringLiteral("/calib/datas/") + kTagFolder;
        for (const QString& folder : {QStringLiteral("en"), QStringLiteral("ja"), QStringLiteral("merged")}) {
            const int count = folder == QStringLiteral("merged") ? 8 : 4;
            for (int i = 0; i <= count; ++i) {
                const QString file = QStringLiteral("%1/%2/inputs_embeds_%3.npy").arg(tagFolder, folder).arg(i);
                if (i == count) {
                    QVERIFY2(!QFileInfo::exists(file), qPrintable(file));
                    continue;
                }
                auto array = lathe::data::readNpy(file.toStdString());
                QVERIFY2(array.ok(), qPrintable(file));
                QCOMPARE(array->shape.size(), std::size_t{3});
                QCOMPARE(array->shape[0], std::int64_t{1});
                QVERIFY2(array->shape[1] >= 32 && array->shape[1] <= 128, qPrintable(file));
                QCOMPARE(array->shape[2], std::int64_t{64});
            }
        }
        auto* histogram = m_window->findChild<QWidget*>(QStringLiteral("lengthHistogram"));
        QVERIFY(histogram);
        QCOMPARE(histogram->property("sampleCount").toInt(), 8);
        int binned = 0;
        for (const QVariant& v : histogram->property("binCounts").toList()) binned += v.toInt();
        QCOMPARE(binned, 8);

        // Every sample recomputed independently (spm_encode + torch.load of the embedding the page extracted).
        QString error;
        const QJsonObject report = checkSamples({m_output + QStringLiteral("/calib"),
                                                 kStories,
                                                 m_output + QStringLiteral("/embedding.pt"),
                                                 m_corpusJson,
                                                 {QStringLiteral("en"), QStringLiteral("ja")},
                                                 32,
                                                 128,
                                                 4,
                                                 true},
                                                &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(report[QStringLiteral("en")].toObject()[QStringLiteral("samples")].toInt(), 4);
        QCOMPARE(report[QStringLiteral("ja")].toObject()[QStringLiteral("samples")].toInt(), 4);
        Q_UNUSED(page);
    }

    void quantizationShowsTheEstimatedSize()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("quantizationPage")));
        const QJsonObject config =
            QJsonDocument::fromJson(readAll(m_snapshot + QStringLiteral("/config.json"))).object();
        auto* estimate = child<QLabel>("estimatedSizeLabel");
        auto check = [&](const QMap<QString, int>& bits, int groupSize) {
            const qint64 expected = expectedCompiledBytes(config, bits, groupSize);
            const QString exact = QLocale(QLocale::English, QLocale::UnitedStates).toString(expected);
            return estimate->property("estimatedBytes").toLongLong() == expected &&
                   estimate->text().contains(QStringLiteral("(%1 bytes)").arg(exact));
        };
        QVERIFY2(check(preset(4, 8), 0), qPrintable(estimate->text()));  // w4v8, the default
        QVERIFY(
            child<QLabel>("bitModeExplanation")->text().startsWith(QStringLiteral("4-bit weights with 8-bit value")));

        auto* mode = child<QComboBox>("bitModeCombo");
        mode->setFocus();
        QTest::keyClick(mode, Qt::Key_Up);
        QTest::keyClick(mode, Qt::Key_Up);
        QCOMPARE(mode->currentData().toString(), QStringLiteral("w8"));
        QVERIFY2(check(preset(8, 8), 0), qPrintable(estimate->text()));
        QTest::keyClick(mode, Qt::Key_Down);
        QVERIFY2(check(preset(4, 4), 0), qPrintable(estimate->text()));

        auto* value = child<QComboBox>("groupBits_value");
        value->setCurrentIndex(value->findData(8));
        typeInto(child<QSpinBox>("groupSizeSpin"), QStringLiteral("4"));  // divides 64 and 172
        QMap<QString, int> bits = preset(4, 4);
        bits[QStringLiteral("value")] = 8;
        QVERIFY2(check(bits, 4), qPrintable(estimate->text()));
        QVERIFY2(child<QLabel>("quantValidationLabel")->isHidden(), qPrintable(text("quantValidationLabel")));

        // 48 divides neither 64 nor 172: still valid, the last group of a row is shorter and has a scale too.
        typeInto(child<QSpinBox>("groupSizeSpin"), QStringLiteral("48"));
        QVERIFY2(check(bits, 48), qPrintable(estimate->text()));
        QVERIFY2(child<QLabel>("quantValidationLabel")->isHidden(), qPrintable(text("quantValidationLabel")));
    }

    // The layout choice: one multilingual folder (the newer tutorial) keeps a chosen language list, splits the
    // sample count over it and turns merging off; chosen with only English checked it checks the tutorial's eight.
    void multilingualLayout()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("calibrationPage")));
        auto* layout = child<QComboBox>("calibLayoutCombo");
        auto* merge = child<QCheckBox>("mergeCheck");
        auto* samplesLabel = child<QLabel>("samplesLabel");
        QCOMPARE(layout->currentData().toString(), QStringLiteral("per-language"));
        QVERIFY(merge->isEnabled());
        QCOMPARE(samplesLabel->text(), QStringLiteral("Samples per lan&guage:"));
        layout->setFocus();
        QTest::keyClick(layout, Qt::Key_Down);
        QCOMPARE(layout->currentData().toString(), QStringLiteral("multilingual"));
        QVERIFY(!merge->isEnabled());
        QCOMPARE(samplesLabel->text(), QStringLiteral("Samples in all (split over the lan&guages):"));
        // en and ja stay (they are not the per-language default); 5 samples are 3 + 2.
        QCOMPARE(checkedLanguages(child<QListWidget>("languageList")), (QStringList{"en", "ja"}));
        typeInto(child<QSpinBox>("samplesSpin"), QStringLiteral("5"));
        auto* run = child<QPushButton>("runCalibrationButton");
        QVERIFY(run->isEnabled());
        QTest::mouseClick(run, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(text("calibStatusLabel").startsWith(QStringLiteral("Done")) ||
                                     child<QLabel>("calibErrorLabel")->isVisible(),
                                 120000);
        QVERIFY2(!child<QLabel>("calibErrorLabel")->isVisible(), qPrintable(text("calibErrorLabel")));
        QCOMPARE(text("calibStatusLabel"), QStringLiteral("Done: 5 samples."));
        const QString tagFolder = m_output + QStringLiteral("/calib/datas/") + kTagFolder;
        QVERIFY2(text("calibSummaryLabel")
                     .contains(QStringLiteral("Multilingual folder ") +
                               QDir::toNativeSeparators(tagFolder + QStringLiteral("/multilingual"))),
                 qPrintable(text("calibSummaryLabel")));
        // The earlier per-language run's folders are gone: the tag folder holds one layout.
        QCOMPARE(QDir(tagFolder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot, QDir::Name),
                 (QStringList{QStringLiteral("manifest.json"), QStringLiteral("multilingual")}));
        QCOMPARE(QDir(tagFolder + QStringLiteral("/multilingual")).entryList(QDir::Files, QDir::Name),
                 (QStringList{QStringLiteral("en_inputs_embeds_0.npy"), QStringLiteral("en_inputs_embeds_1.npy"),
                              QStringLiteral("en_inputs_embeds_2.npy"), QStringLiteral("ja_inputs_embeds_0.npy"),
                              QStringLiteral("ja_inputs_embeds_1.npy")}));
        QString error;
        CalibCheck check{m_output + QStringLiteral("/calib"),
                         kStories,
                         m_output + QStringLiteral("/embedding.pt"),
                         m_corpusJson,
                         {QStringLiteral("en"), QStringLiteral("ja")},
                         32,
                         128,
                         5};
        check.multilingual = true;
        const QJsonObject report = checkSamples(check, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(report[QStringLiteral("en")].toObject()[QStringLiteral("samples")].toInt(), 3);
        QCOMPARE(report[QStringLiteral("ja")].toObject()[QStringLiteral("samples")].toInt(), 2);

        // Only English checked: choosing the multilingual folder checks the tutorial's eight languages, and 5
        // samples are too few for them.
        auto* languages = child<QListWidget>("languageList");
        for (int i = 0; i < languages->count(); ++i) {
            QListWidgetItem* item = languages->item(i);
            if (item->data(Qt::UserRole).toString() != QStringLiteral("ja")) continue;
            languages->setFocus();
            languages->setCurrentItem(item);
            QTest::keyClick(languages, Qt::Key_Space);
            QCOMPARE(item->checkState(), Qt::Unchecked);
        }
        layout->setFocus();
        QTest::keyClick(layout, Qt::Key_Up);
        QCOMPARE(layout->currentData().toString(), QStringLiteral("per-language"));
        QVERIFY(merge->isEnabled());
        QCOMPARE(checkedLanguages(languages), QStringList{QStringLiteral("en")});
        QTest::keyClick(layout, Qt::Key_Down);
        QCOMPARE(checkedLanguages(languages),
                 (QStringList{"en", "de", "fr", "es", "it", "pt", "hi", "th"}));  // in list order
        QVERIFY(!run->isEnabled());
        QCOMPARE(text("calibValidationLabel"),
                 QStringLiteral("The multilingual folder splits 5 samples over 8 languages: choose at least one sample "
                                "per language."));
        typeInto(child<QSpinBox>("samplesSpin"), QStringLiteral("8"));
        QVERIFY(run->isEnabled());
    }
};

QTEST_MAIN(TestStudioCalibration)
#include "TestStudioCalibration.moc"
