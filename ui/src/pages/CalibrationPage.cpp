#include "pages/CalibrationPage.h"

#include "Format.h"
#include "StudioSettings.h"
#include "StudioState.h"
#include "calib/CalibrationRun.h"
#include "calib/TokenPreview.h"
#include "jobs/Job.h"
#include "lathe/calib/Calibration.h"
#include "lathe/ui/Dialogs.h"
#include "widgets/LengthHistogram.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace lathe::ui {

namespace {

const QString kWikipedia = QStringLiteral("wikimedia/wikipedia");
const QString kLocal = QStringLiteral("local");
constexpr std::size_t kPreviewTokens = 200;

struct PreviewOutcome {
    std::shared_ptr<const tokenize::Tokenizer> tokenizer;
    TokenPreview preview;
};

QString languageName(const QString& code)
{
    static const QMap<QString, QString> names = {
        {"en", QT_TRANSLATE_NOOP("CalibrationPage", "English")},
        {"de", QT_TRANSLATE_NOOP("CalibrationPage", "German")},
        {"fr", QT_TRANSLATE_NOOP("CalibrationPage", "French")},
        {"es", QT_TRANSLATE_NOOP("CalibrationPage", "Spanish")},
        {"it", QT_TRANSLATE_NOOP("CalibrationPage", "Italian")},
        {"ja", QT_TRANSLATE_NOOP("CalibrationPage", "Japanese")},
        {"ko", QT_TRANSLATE_NOOP("CalibrationPage", "Korean")},
        {"zh", QT_TRANSLATE_NOOP("CalibrationPage", "Chinese")},
        {"pt", QT_TRANSLATE_NOOP("CalibrationPage", "Portuguese")},
        {"hi", QT_TRANSLATE_NOOP("CalibrationPage", "Hindi")},
        {"th", QT_TRANSLATE_NOOP("CalibrationPage", "Thai")},
    };
    const auto it = names.find(code);
    return it == names.end() ? code
                             : QStringLiteral("%1 — %2").arg(code, CalibrationPage::tr(it->toUtf8().constData()));
}

QString renderPreview(const TokenPreview& preview)
{
    QStringList pieces, ids;
    for (const TokenPiece& p : preview.pieces) {
        QString text = QString::fromStdString(p.text);
        if (preview.bosId && p.id == *preview.bosId && text.isEmpty())
            text = QStringLiteral("⟨bos⟩");
        else if (preview.eosId && p.id == *preview.eosId && text.isEmpty())
            text = QStringLiteral("⟨eos⟩");
        text.replace(QLatin1Char('\n'), QStringLiteral("⏎"));
        pieces << text;
        ids << QString::number(p.id);
    }
    return QStringLiteral("|") + pieces.join(QLatin1Char('|')) + QStringLiteral("|\n\n") + ids.join(QLatin1Char(' '));
}

}  // namespace

const QStringList& CalibrationPage::defaultLanguages()
{
    static const QStringList languages = {"en", "de", "fr", "es", "it", "ja", "ko", "zh"};
    return languages;
}

CalibrationPage::CalibrationPage(StudioState& studio, QWidget* parent)
    : WizardPage(studio, tr("Calibration data"),
                 tr("Activation scales are calibrated on real text: Wikipedia articles per language (or your own "
                    "file) are tokenized and turned into input embeddings, saved as inputs_embeds_0.npy, "
                    "inputs_embeds_1.npy, …"),
                 parent)
{
    setObjectName(QStringLiteral("calibrationPage"));
    m_job = new Job(this);
    m_job->setTaskName(tr("the calibration"));
    m_previewJob = new Job(this);

    m_modelLabel = new QLabel(this);
    m_modelLabel->setObjectName(QStringLiteral("calibModelLabel"));
    m_modelLabel->setWordWrap(true);
    body()->addWidget(m_modelLabel);

    auto* columns = new QHBoxLayout();
    body()->addLayout(columns, 1);

    columns->addWidget(buildSamplesSection(), 1);

    // Right: preview, run, histogram.
    auto* right = new QVBoxLayout();
    right->addWidget(buildPreviewSection());
    right->addWidget(buildRunSection(), 1);
    columns->addLayout(right, 1);

    m_error = makeMessageLabel(QStringLiteral("calibErrorLabel"), this);
    body()->addWidget(m_error);

    connect(m_job, &Job::progressed, this, &CalibrationPage::onProgress);
    connect(m_job, &Job::runningChanged, this, &CalibrationPage::validate);
    connect(&studio, &StudioState::modelChanged, this, &CalibrationPage::onModelChanged);
    connect(&studio, &StudioState::settingsEdited, this, &CalibrationPage::validate);

    setTabOrder(m_dataset, m_textFile);
    setTabOrder(m_textFile, m_textBrowse);
    setTabOrder(m_textBrowse, m_languages);
    setTabOrder(m_languages, m_newLanguage);
    setTabOrder(m_newLanguage, m_addLanguage);
    setTabOrder(m_addLanguage, m_layout);
    setTabOrder(m_layout, m_minSeqLen);
    setTabOrder(m_minSeqLen, m_maxSeqLen);
    setTabOrder(m_maxSeqLen, m_samples);
    setTabOrder(m_samples, m_merge);
    setTabOrder(m_merge, m_previewText);
    setTabOrder(m_previewText, m_previewTokens);
    setTabOrder(m_previewTokens, m_run);
    setTabOrder(m_run, m_cancel);

    reload();
    onModelChanged();
}

// Left: the settings of the samples.
QGroupBox* CalibrationPage::buildSamplesSection()
{
    auto* settingsBox = new QGroupBox(tr("Samples"), this);
    auto* form = new QFormLayout(settingsBox);
    m_dataset = new QComboBox(settingsBox);
    m_dataset->setObjectName(QStringLiteral("datasetCombo"));
    m_dataset->addItem(tr("Wikipedia (wikimedia/wikipedia)"), kWikipedia);
    m_dataset->addItem(tr("Local text file (.txt, .jsonl, .parquet)"), kLocal);
    addBuddyRow(form, tr("&Dataset:"), m_dataset);
    auto* fileRow = new QHBoxLayout();
    m_textFile = new QLineEdit(settingsBox);
    m_textFile->setObjectName(QStringLiteral("textFileEdit"));
    m_textBrowse = new QPushButton(tr("Bro&wse…"), settingsBox);
    m_textBrowse->setObjectName(QStringLiteral("textFileBrowseButton"));
    fileRow->addWidget(m_textFile, 1);
    fileRow->addWidget(m_textBrowse);
    addBuddyRow(form, tr("Text &file:"), m_textFile, fileRow);

    m_languages = new QListWidget(settingsBox);
    m_languages->setObjectName(QStringLiteral("languageList"));
    m_languages->setAccessibleName(tr("Languages"));
    m_languages->setMaximumHeight(150);
    for (const QString& code : defaultLanguages()) {
        auto* item = new QListWidgetItem(languageName(code), m_languages);
        item->setData(Qt::UserRole, code);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
    }
    addBuddyRow(form, tr("&Languages:"), m_languages);
    auto* addRow = new QHBoxLayout();
    m_newLanguage = new QLineEdit(settingsBox);
    m_newLanguage->setObjectName(QStringLiteral("newLanguageEdit"));
    m_newLanguage->setPlaceholderText(tr("another Wikipedia code, e.g. nl"));
    m_newLanguage->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[a-z0-9_-]{1,24}")), m_newLanguage));
    m_addLanguage = new QPushButton(tr("&Add"), settingsBox);
    m_addLanguage->setObjectName(QStringLiteral("addLanguageButton"));
    addRow->addWidget(m_newLanguage, 1);
    addRow->addWidget(m_addLanguage);
    form->addRow(QString(), addRow);

    m_layout = new QComboBox(settingsBox);
    m_layout->setObjectName(QStringLiteral("calibLayoutCombo"));
    m_layout->addItem(tr("A folder per language (original tutorial)"),
                      QString::fromLatin1(calib::calibrationLayoutName(calib::CalibrationLayout::PerLanguage)));
    m_layout->addItem(tr("One multilingual folder (newer tutorial)"),
                      QString::fromLatin1(calib::calibrationLayoutName(calib::CalibrationLayout::Multilingual)));
    m_layout->setToolTip(
        tr("A folder per language: <language>/inputs_embeds_<i>.npy, the sample count per "
           "language.\nOne multilingual folder: multilingual/<language>_inputs_embeds_<i>.npy, the "
           "sample count split evenly over the languages."));
    addBuddyRow(form, tr("La&yout:"), m_layout);

    auto spin = [settingsBox](const char* name, int min, int max) {
        auto* box = new QSpinBox(settingsBox);
        box->setObjectName(QLatin1String(name));
        box->setRange(min, max);
        box->setAccelerated(true);
        return box;
    };
    m_minSeqLen = spin("minSeqLenSpin", 1, 1 << 20);
    m_maxSeqLen = spin("maxSeqLenSpin", 1, 1 << 20);
    m_samples = spin("samplesSpin", 1, 1 << 20);
    m_minSeqLen->setSuffix(tr(" tokens"));
    m_maxSeqLen->setSuffix(tr(" tokens"));
    m_minSeqLen->setToolTip(tr("Shorter articles are skipped"));
    m_maxSeqLen->setToolTip(tr("Longer articles are truncated; at most the model's context"));
    auto* minLabel = new QLabel(tr("M&inimum length:"), settingsBox);
    minLabel->setBuddy(m_minSeqLen);
    auto* maxLabel = new QLabel(tr("Ma&ximum length:"), settingsBox);
    maxLabel->setBuddy(m_maxSeqLen);
    m_samplesLabel = new QLabel(tr("Samples per lan&guage:"), settingsBox);
    m_samplesLabel->setObjectName(QStringLiteral("samplesLabel"));
    m_samplesLabel->setBuddy(m_samples);
    form->addRow(minLabel, m_minSeqLen);
    form->addRow(maxLabel, m_maxSeqLen);
    form->addRow(m_samplesLabel, m_samples);
    m_merge = new QCheckBox(tr("&Merge the languages into one folder"), settingsBox);
    m_merge->setObjectName(QStringLiteral("mergeCheck"));
    m_merge->setToolTip(
        tr("Also copies every sample into one “merged” folder, renumbered from 0: point the compiler there"));
    form->addRow(QString(), m_merge);
    m_validation = makeMessageLabel(QStringLiteral("calibValidationLabel"), settingsBox);
    form->addRow(m_validation);

    connect(m_dataset, &QComboBox::currentIndexChanged, this, [this] {
        edit([&] { state().settings().calibration.dataset = m_dataset->currentData().toString().toStdString(); });
        updateDatasetWidgets();
        validate();
    });
    connect(m_textFile, &QLineEdit::textEdited, this, [this](const QString& text) {
        edit([&] { state().settings().calibration.textFile = text.trimmed().toStdString(); });
        validate();
    });
    connect(m_textFile, &QLineEdit::editingFinished, this, [this] {
        m_previewTextFromCorpus = true;
        schedulePreview();
    });
    connect(m_textBrowse, &QPushButton::clicked, this, &CalibrationPage::chooseTextFile);
    connect(m_languages, &QListWidget::itemChanged, this, [this] {
        writeLanguages();
        validate();
    });
    connect(m_newLanguage, &QLineEdit::returnPressed, this, &CalibrationPage::addLanguage);
    connect(m_addLanguage, &QPushButton::clicked, this, &CalibrationPage::addLanguage);
    connect(m_layout, &QComboBox::activated, this, &CalibrationPage::chooseLayout);
    connect(m_minSeqLen, &QSpinBox::valueChanged, this, [this](int v) {
        edit([&] { state().settings().calibration.minSeqLen = v; });
        validate();
    });
    connect(m_maxSeqLen, &QSpinBox::valueChanged, this, [this](int v) {
        edit([&] { state().settings().calibration.maxSeqLen = v; });
        validate();
    });
    connect(m_samples, &QSpinBox::valueChanged, this, [this](int v) {
        edit([&] { state().settings().calibration.maxCalib = v; });
        validate();
    });
    connect(m_merge, &QCheckBox::toggled, this,
            [this](bool on) { edit([&] { state().settings().calibration.merge = on; }); });
    return settingsBox;
}

QGroupBox* CalibrationPage::buildPreviewSection()
{
    auto* previewBox = new QGroupBox(tr("Tokenizer preview"), this);
    auto* previewLayout = new QVBoxLayout(previewBox);
    m_previewText = new QPlainTextEdit(previewBox);
    m_previewText->setObjectName(QStringLiteral("previewTextEdit"));
    m_previewText->setPlainText(tr("Once upon a time, there was a little girl who loved to read about the planets."));
    m_previewText->setMaximumHeight(70);
    m_previewText->setTabChangesFocus(true);
    m_previewText->setAccessibleName(tr("Sample text to tokenize"));
    m_previewTokens = new QPlainTextEdit(previewBox);
    m_previewTokens->setObjectName(QStringLiteral("tokenPreview"));
    m_previewTokens->setReadOnly(true);
    m_previewTokens->setMaximumHeight(90);
    m_previewTokens->setTabChangesFocus(true);
    m_previewTokens->setAccessibleName(tr("Tokens of the sample text"));
    m_previewTokens->setPlainText(tr("The preview appears once a model is chosen."));
    m_previewCount = new QLabel(previewBox);
    m_previewCount->setObjectName(QStringLiteral("tokenCountLabel"));
    previewLayout->addWidget(m_previewText);
    previewLayout->addWidget(m_previewTokens);
    previewLayout->addWidget(m_previewCount);
    m_previewTimer = new QTimer(this);
    m_previewTimer->setSingleShot(true);
    m_previewTimer->setInterval(250);

    connect(m_previewText, &QPlainTextEdit::textChanged, this, &CalibrationPage::schedulePreview);
    connect(m_previewTimer, &QTimer::timeout, this, &CalibrationPage::runPreview);
    return previewBox;
}

QGroupBox* CalibrationPage::buildRunSection()
{
    auto* runBox = new QGroupBox(tr("Generate"), this);
    auto* runLayout = new QGridLayout(runBox);
    m_run = new QPushButton(tr("Gene&rate samples"), runBox);
    m_run->setObjectName(QStringLiteral("runCalibrationButton"));
    m_cancel = new QPushButton(tr("Ca&ncel"), runBox);
    m_cancel->setObjectName(QStringLiteral("cancelCalibrationButton"));
    m_progress = new QProgressBar(runBox);
    m_progress->setObjectName(QStringLiteral("calibProgressBar"));
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_status = new QLabel(runBox);
    m_status->setObjectName(QStringLiteral("calibStatusLabel"));
    m_status->setWordWrap(true);
    m_summary = new QLabel(runBox);
    m_summary->setObjectName(QStringLiteral("calibSummaryLabel"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_histogram = new LengthHistogram(runBox);
    m_histogram->setObjectName(QStringLiteral("lengthHistogram"));
    runLayout->addWidget(m_run, 0, 0);
    runLayout->addWidget(m_cancel, 0, 1);
    runLayout->addWidget(m_progress, 0, 2);
    runLayout->addWidget(m_status, 1, 0, 1, 3);
    runLayout->addWidget(m_summary, 2, 0, 1, 3);
    runLayout->addWidget(m_histogram, 3, 0, 1, 3);
    runLayout->setColumnStretch(2, 1);

    connect(m_run, &QPushButton::clicked, this, &CalibrationPage::startCalibration);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_status->setText(tr("Cancelling…"));
        m_job->cancel();
    });
    return runBox;
}

// Checks exactly `languages` in the list, adding an entry for a code it does not have.
void CalibrationPage::showLanguages(const std::vector<std::string>& languages)
{
    for (int i = 0; i < m_languages->count(); ++i) m_languages->item(i)->setCheckState(Qt::Unchecked);
    for (const std::string& language : languages) {
        const QString code = QString::fromStdString(language);
        QListWidgetItem* found = nullptr;
        for (int i = 0; i < m_languages->count(); ++i)
            if (m_languages->item(i)->data(Qt::UserRole).toString() == code) found = m_languages->item(i);
        if (!found) {
            found = new QListWidgetItem(languageName(code), m_languages);
            found->setData(Qt::UserRole, code);
            found->setFlags(found->flags() | Qt::ItemIsUserCheckable);
        }
        found->setCheckState(Qt::Checked);
    }
}

void CalibrationPage::loadSettings()
{
    const auto& c = state().settings().calibration;
    const QString dataset = QString::fromStdString(c.dataset);
    int index = m_dataset->findData(dataset);
    if (index < 0) {
        // A project may name another Hub dataset with Wikipedia's layout; keep it selectable.
        m_dataset->addItem(dataset, dataset);
        index = m_dataset->count() - 1;
    }
    m_dataset->setCurrentIndex(index);
    m_textFile->setText(QString::fromStdString(c.textFile));
    showLanguages(c.languages);
    m_minSeqLen->setValue(c.minSeqLen);
    m_maxSeqLen->setValue(c.maxSeqLen);
    m_samples->setValue(c.maxCalib);
    m_merge->setChecked(c.merge);
    m_layout->setCurrentIndex(m_layout->findData(QString::fromLatin1(calib::calibrationLayoutName(c.layout))));
    m_summary->clear();
    m_status->clear();
    m_progress->setValue(0);
    m_histogram->clear();
    showMessage(m_error, {});
    updateDatasetWidgets();
    validate();
}

void CalibrationPage::writeLanguages()
{
    // Checked languages in list order: the order folders are merged in.
    std::vector<std::string> languages;
    for (int i = 0; i < m_languages->count(); ++i)
        if (m_languages->item(i)->checkState() == Qt::Checked)
            languages.push_back(m_languages->item(i)->data(Qt::UserRole).toString().toStdString());
    edit([&] { state().settings().calibration.languages = languages; });
}

void CalibrationPage::addLanguage()
{
    const QString code = m_newLanguage->text().trimmed().toLower();
    if (code.isEmpty()) return;
    if (code == QLatin1String("merged") || code == QLatin1String("multilingual")) {
        showMessage(m_validation, tr("“%1” is a folder's name, not a language.").arg(code), Tone::Error);
        return;
    }
    for (int i = 0; i < m_languages->count(); ++i) {
        if (m_languages->item(i)->data(Qt::UserRole).toString() == code) {
            m_languages->item(i)->setCheckState(Qt::Checked);
            m_newLanguage->clear();
            return;
        }
    }
    auto* item = new QListWidgetItem(languageName(code));
    item->setData(Qt::UserRole, code);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Unchecked);
    m_languages->addItem(item);
    item->setCheckState(Qt::Checked);  // itemChanged writes the settings
    m_newLanguage->clear();
}

void CalibrationPage::chooseTextFile()
{
    const QString current = m_textFile->text();
    const QString start = QFileInfo(current).exists() ? QFileInfo(current).absolutePath()
                                                      : StudioSettings::lastFolder(QStringLiteral("text"));
    const QString file = Dialogs::openFile(this, tr("Calibration text"), start,
                                           tr("Text corpora (*.txt *.jsonl *.parquet);;All files (*)"));
    if (file.isEmpty()) return;
    StudioSettings::setLastFolder(QStringLiteral("text"), QFileInfo(file).absolutePath());
    m_textFile->setText(file);
    edit([&] { state().settings().calibration.textFile = file.toStdString(); });
    m_previewTextFromCorpus = true;
    validate();
    schedulePreview();
}

// The newer tutorial's layout comes with its eight languages: choosing it while only the original default
// (English) is checked checks them; any other choice of languages is kept.
void CalibrationPage::chooseLayout()
{
    const auto layout = calib::parseCalibrationLayout(m_layout->currentData().toString().toStdString())
                            .value_or(calib::CalibrationLayout::PerLanguage);
    const auto& c = state().settings().calibration;
    const bool defaultLanguages =
        c.languages == calib::defaultCalibrationLanguages(calib::CalibrationLayout::PerLanguage);
    edit([&] {
        auto& calibration = state().settings().calibration;
        calibration.layout = layout;
        if (layout == calib::CalibrationLayout::Multilingual && defaultLanguages)
            calibration.languages = calib::defaultCalibrationLanguages(layout);
    });
    if (layout == calib::CalibrationLayout::Multilingual && defaultLanguages) {
        const QSignalBlocker block(m_languages);
        showLanguages(state().settings().calibration.languages);
    }
    validate();
}

void CalibrationPage::updateLayoutWidgets()
{
    const bool multilingual = state().settings().calibration.layout == calib::CalibrationLayout::Multilingual;
    m_samplesLabel->setText(multilingual ? tr("Samples in all (split over the lan&guages):")
                                         : tr("Samples per lan&guage:"));
    // The multilingual folder already holds every language.
    m_merge->setEnabled(!multilingual && !m_job->isRunning());
}

void CalibrationPage::updateDatasetWidgets()
{
    const bool local = m_dataset->currentData().toString() == kLocal;
    m_textFile->setEnabled(local);
    m_textBrowse->setEnabled(local);
}

QString CalibrationPage::validationMessage() const
{
    const auto& c = state().settings().calibration;
    QStringList problems;
    if (state().modelDirectory().isEmpty())
        problems << tr("Choose a model on the Model page (download it, or pick a local folder) first.");
    else if (!state().modelConfig())
        problems << tr("The model's config.json could not be read; see the Model page.");
    if (state().settings().outputDir.empty()) problems << tr("Choose an output folder on the Project page.");
    if (c.minSeqLen > c.maxSeqLen)
        problems << tr("The minimum length (%1) exceeds the maximum (%2).").arg(c.minSeqLen).arg(c.maxSeqLen);
    if (state().modelConfig() && state().modelConfig()->maxPositionEmbeddings > 0 &&
        c.maxSeqLen > state().modelConfig()->maxPositionEmbeddings)
        problems << tr("The maximum length (%1) exceeds the model's context of %2 tokens.")
                        .arg(c.maxSeqLen)
                        .arg(state().modelConfig()->maxPositionEmbeddings);
    if (c.dataset == "local") {
        if (c.textFile.empty())
            problems << tr("Choose a local text file.");
        else if (!QFileInfo(QString::fromStdString(c.textFile)).isFile())
            problems << tr("The text file %1 does not exist.").arg(QString::fromStdString(c.textFile));
        if (c.languages.size() != 1)
            problems << tr("A local file fills one folder: check exactly one language (it names the folder).");
    } else if (c.languages.empty()) {
        problems << tr("Check at least one language.");
    } else if (c.layout == calib::CalibrationLayout::Multilingual && size_t(c.maxCalib) < c.languages.size()) {
        problems << tr("The multilingual folder splits %1 samples over %2 languages: choose at least one sample per "
                       "language.")
                        .arg(c.maxCalib)
                        .arg(c.languages.size());
    }
    return problems.join(QLatin1Char('\n'));
}

void CalibrationPage::validate()
{
    const QString problems = validationMessage();
    showMessage(m_validation, problems, Tone::Error);
    const bool running = m_job->isRunning();
    m_run->setEnabled(problems.isEmpty() && !running);
    m_cancel->setEnabled(running);
    for (QWidget* w : std::initializer_list<QWidget*>{m_dataset, m_languages, m_newLanguage, m_addLanguage, m_layout,
                                                      m_minSeqLen, m_maxSeqLen, m_samples, m_merge})
        w->setEnabled(!running);
    updateLayoutWidgets();
    if (running) {
        m_textFile->setEnabled(false);
        m_textBrowse->setEnabled(false);
    } else {
        updateDatasetWidgets();
    }
}

void CalibrationPage::onModelChanged()
{
    const QString dir = state().modelDirectory();
    if (dir.isEmpty()) {
        m_modelLabel->setText(tr("No model yet: choose one on the Model page."));
    } else {
        const auto& config = state().modelConfig();
        m_modelLabel->setText(config ? tr("Model: %1 — context %2 tokens, hidden size %3, vocabulary %4.")
                                           .arg(state().modelTag())
                                           .arg(config->maxPositionEmbeddings)
                                           .arg(config->hiddenSize)
                                           .arg(config->vocabSize)
                                     : tr("Model: %1").arg(state().modelTag()));
    }
    if (dir != m_tokenizerDir) {
        m_tokenizer.reset();
        m_tokenizerDir = dir;
        schedulePreview();
    }
    validate();
}

void CalibrationPage::schedulePreview()
{
    m_previewTimer->start();
}

void CalibrationPage::runPreview()
{
    if (m_previewJob->isRunning()) {
        m_previewAgain = true;
        return;
    }
    const QString dir = state().modelDirectory();
    if (dir.isEmpty()) {
        m_previewTokens->setPlainText(tr("The preview appears once a model is chosen."));
        m_previewCount->clear();
        return;
    }
    const bool loadCorpus = m_previewTextFromCorpus && state().settings().calibration.dataset == "local" &&
                            !state().settings().calibration.textFile.empty();
    m_previewTextFromCorpus = false;
    const std::string textFile = loadCorpus ? state().settings().calibration.textFile : std::string();
    const std::string text = m_previewText->toPlainText().toStdString();
    auto tokenizer = m_tokenizer;
    m_previewJob->start<std::pair<PreviewOutcome, std::string>>(
        [dir = dir.toStdString(), tokenizer, text, textFile](
            const StopToken&, const Job::Report&) -> Result<std::pair<PreviewOutcome, std::string>> {
            PreviewOutcome outcome{tokenizer, {}};
            if (!outcome.tokenizer) {
                auto loaded = tokenize::Tokenizer::load(dir);
                if (!loaded) return loaded.error();
                outcome.tokenizer = std::shared_ptr<const tokenize::Tokenizer>(std::move(loaded.value()));
            }
            std::string sample = text;
            if (!textFile.empty()) {
                auto document = firstCorpusDocument(textFile);
                if (!document) return document.error();
                sample = document->substr(0, 2000);
            }
            auto preview = previewTokens(*outcome.tokenizer, sample, kPreviewTokens);
            if (!preview) return preview.error();
            outcome.preview = std::move(preview.value());
            return std::pair<PreviewOutcome, std::string>{std::move(outcome),
                                                          textFile.empty() ? std::string() : sample};
        },
        [this, dir](Result<std::pair<PreviewOutcome, std::string>> result) {
            if (m_previewAgain) {
                m_previewAgain = false;
                schedulePreview();
            }
            if (dir != state().modelDirectory()) return;
            if (!result) {
                m_previewTokens->setPlainText(
                    tr("Cannot tokenize: %1").arg(QString::fromStdString(result.error().message)));
                m_previewCount->clear();
                return;
            }
            m_tokenizer = result->first.tokenizer;
            if (!result->second.empty()) {
                const QSignalBlocker block(m_previewText);
                m_previewText->setPlainText(QString::fromStdString(result->second));
            }
            const TokenPreview& preview = result->first.preview;
            m_previewTokens->setPlainText(renderPreview(preview));
            m_previewCount->setText(preview.totalTokens > preview.pieces.size()
                                        ? tr("%1 tokens (first %2 shown), %3 tokenizer")
                                              .arg(preview.totalTokens)
                                              .arg(preview.pieces.size())
                                              .arg(QString::fromStdString(preview.engine))
                                        : tr("%1 tokens, %2 tokenizer")
                                              .arg(preview.totalTokens)
                                              .arg(QString::fromStdString(preview.engine)));
            m_previewCount->setProperty("tokenCount", static_cast<qlonglong>(preview.totalTokens));
        });
}

void CalibrationPage::startCalibration()
{
    if (m_job->isRunning() || !validationMessage().isEmpty()) return;
    CalibrationRequest request;
    request.settings = state().settings();
    request.modelDirectory = state().modelDirectory().toStdString();
    showMessage(m_error, {});
    m_summary->clear();
    m_histogram->clear();
    m_progress->setRange(0, 0);
    m_status->setText(tr("Extracting the input embedding…"));
    m_job->start<project::ProjectStepResult>(
        [request](const StopToken& stop, const Job::Report& report) {
            return runCalibration(request, progressReporter(report), stop);
        },
        [this, request](Result<project::ProjectStepResult> outcome) {
            m_progress->setRange(0, 100);
            if (!outcome) {
                m_progress->setValue(0);
                if (outcome.error().code == ErrorCode::Cancelled) {
                    m_status->setText(
                        tr("Cancelled. Samples already written stay; the folder has no manifest "
                           "until a run completes."));
                } else {
                    m_status->setText(tr("Calibration failed."));
                    showMessage(m_error, QString::fromStdString(outcome.error().message), Tone::Error);
                }
                return;
            }
            m_progress->setValue(100);
            state().notifyOutputsChanged();
            const auto& summary = outcome->calibration;
            QStringList lines;
            for (const auto& l : summary.languages)
                lines << tr("%1: %2 of %3 samples (%4 articles read, %5 too short, %6 truncated)")
                             .arg(QString::fromStdString(l.language))
                             .arg(l.samples)
                             .arg(l.wanted)
                             .arg(l.articlesRead)
                             .arg(l.tooShort)
                             .arg(l.truncated);
            lines << tr("Saved to %1").arg(QDir::toNativeSeparators(QString::fromStdString(summary.tagFolder)));
            if (!summary.mergedFolder.empty())
                lines
                    << tr("Merged into %1").arg(QDir::toNativeSeparators(QString::fromStdString(summary.mergedFolder)));
            if (!summary.multilingualFolder.empty())
                lines << tr("Multilingual folder %1")
                             .arg(QDir::toNativeSeparators(QString::fromStdString(summary.multilingualFolder)));
            if (!outcome->samples.empty()) {
                const calib::CalibrationSample& first = outcome->samples.front();
                lines << tr("First sample: %1, %2 tokens%3")
                             .arg(QString::fromStdString(first.file))
                             .arg(first.tokens)
                             .arg(first.title.empty()
                                      ? QString()
                                      : QStringLiteral(" — “%1”").arg(QString::fromStdString(first.title)));
            }
            m_summary->setText(lines.join(QLatin1Char('\n')));
            std::vector<int> lengths;
            for (const calib::CalibrationSample& s : outcome->samples) lengths.push_back(static_cast<int>(s.tokens));
            const auto& calibration = request.settings.calibration;
            m_histogram->setLengths(lengths, calibration.minSeqLen, calibration.maxSeqLen);
            m_status->setText(summary.warnings.empty() ? (outcome->samples.size() == 1
                                                              ? tr("Done: 1 sample.")
                                                              : tr("Done: %1 samples.").arg(outcome->samples.size()))
                                                       : QString::fromStdString(summary.warnings.front()));
            if (summary.warnings.size() > 1) {
                QStringList warnings;
                for (const auto& w : summary.warnings) warnings << QString::fromStdString(w);
                showMessage(m_error, warnings.join(QLatin1Char('\n')), Tone::Warning);
            }
        });
}

void CalibrationPage::onProgress(const QVariant& value)
{
    if (!value.canConvert<Progress>()) return;
    const auto p = value.value<Progress>();
    QString text = QString::fromStdString(p.stage);
    if (!p.detail.empty()) text += QStringLiteral(" — ") + QString::fromStdString(p.detail);
    if (p.total > 0) {
        m_progress->setRange(0, 100);
        m_progress->setValue(static_cast<int>(std::min<std::int64_t>(100, p.done * 100 / p.total)));
        text += QStringLiteral(" (%1/%2 %3)").arg(p.done).arg(p.total).arg(QString::fromStdString(p.unit));
    }
    m_status->setText(text);
}

}  // namespace lathe::ui
