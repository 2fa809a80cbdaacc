#include "pages/QuantizationPage.h"

#include "Format.h"
#include "StudioState.h"
#include "lathe/quant/QuantPlan.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSpinBox>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

namespace lathe::ui {

namespace {

const QStringList& groups()
{
    static const QStringList names = [] {
        QStringList out;
        for (const std::string& group : quant::projectionGroups()) out << QString::fromStdString(group);
        return out;
    }();
    return names;
}

// The linears of a group: "q_proj", ..., "gate_proj, up_proj, down_proj", "lm_head".
QString groupDescription(const QString& group)
{
    QStringList names;
    for (model::Projection p : quant::layerProjections())
        if (group == QLatin1String(quant::projectionGroup(p))) names << QString::fromLatin1(projectionName(p));
    if (names.isEmpty()) names << QString::fromLatin1(projectionName(model::Projection::Head));
    return names.join(QStringLiteral(", "));
}

}  // namespace

QString QuantizationPage::bitModeExplanation(const QString& bitMode)
{
    if (bitMode == QLatin1String("w8"))
        return tr("8-bit weights everywhere: closest to the float model, about half the size of bfloat16.");
    if (bitMode == QLatin1String("w4"))
        return tr("4-bit weights everywhere: the smallest model; relies on rotations and GPTQ to keep quality.");
    return tr(
        "4-bit weights with 8-bit value projections: nearly w4's size with better attention quality "
        "(the reference flow's default).");
}

QuantizationPage::QuantizationPage(StudioState& studio, QWidget* parent)
    : WizardPage(studio, tr("Quantization"),
                 tr("Weights are quantized per output channel on a symmetric integer grid; activations get one "
                    "static 8-bit scale per linear input, calibrated on the samples of the previous step."),
                 parent)
{
    setObjectName(QStringLiteral("quantizationPage"));

    auto* modeBox = new QGroupBox(tr("Bits"), this);
    auto* modeForm = new QFormLayout(modeBox);
    m_bitMode = new QComboBox(modeBox);
    m_bitMode->setObjectName(QStringLiteral("bitModeCombo"));
    for (const std::string& mode : quant::bitModeNames())
        m_bitMode->addItem(QString::fromStdString(mode), QString::fromStdString(mode));
    addBuddyRow(modeForm, tr("&Bit mode:"), m_bitMode);
    m_explanation = new QLabel(modeBox);
    m_explanation->setObjectName(QStringLiteral("bitModeExplanation"));
    m_explanation->setWordWrap(true);
    modeForm->addRow(QString(), m_explanation);
    m_estimate = new QLabel(modeBox);
    m_estimate->setObjectName(QStringLiteral("estimatedSizeLabel"));
    m_estimate->setWordWrap(true);
    m_estimate->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_estimate->setToolTip(
        tr("Per linear: out × in × bits / 8 bytes of packed weights plus one float32 scale per "
           "output channel (and group); norms and metadata add a few kB."));
    modeForm->addRow(tr("Estimated size:"), m_estimate);
    m_target = new QComboBox(modeBox);
    m_target->setObjectName(QStringLiteral("targetCombo"));
    m_target->addItem(tr("Lathe runtime / NPU (static 8-bit activations)"),
                      QString::fromLatin1(quant::toString(quant::CompileTarget::Lathe)));
    m_target->addItem(tr("llama.cpp GGUF (groups of 32, exported exactly as Q4_0 / Q8_0)"),
                      QString::fromLatin1(quant::toString(quant::CompileTarget::Gguf)));
    m_target->setToolTip(
        tr("GGUF: weight scales per 32 inputs rounded to float16, activations left to llama.cpp, "
           "so \"Export GGUF\" on the Results page stores the weights bit for bit."));
    addBuddyRow(modeForm, tr("T&arget:"), m_target);
    body()->addWidget(modeBox);

    auto* methodBox = new QGroupBox(tr("Method"), this);
    auto* methodForm = new QFormLayout(methodBox);
    m_rotation = new QCheckBox(tr("&Rotate (random Hadamard R1/R2, with norm fusion)"), methodBox);
    m_rotation->setObjectName(QStringLiteral("rotationCheck"));
    m_rotation->setToolTip(
        tr("Spreads outlier channels so 4-bit weights and 8-bit activations lose less. "
           "Recommended for w4 and w4v8."));
    m_gptq = new QCheckBox(tr("&GPTQ weight rounding (off = round to nearest)"), methodBox);
    m_gptq->setObjectName(QStringLiteral("gptqCheck"));
    methodForm->addRow(m_rotation);
    methodForm->addRow(m_gptq);
    auto* activationRow = new QHBoxLayout();
    m_activation = new QComboBox(methodBox);
    m_activation->setObjectName(QStringLiteral("activationMethodCombo"));
    using quant::ActivationMethod;
    m_activation->addItem(tr("max (largest value seen)"), QString::fromLatin1(toString(quant::ActivationMethod::Max)));
    m_activation->addItem(tr("percentile (clip rare outliers)"),
                          QString::fromLatin1(toString(quant::ActivationMethod::Percentile)));
    m_activation->addItem(tr("mse (minimise squared error)"),
                          QString::fromLatin1(toString(quant::ActivationMethod::Mse)));
    m_percentile = new QDoubleSpinBox(methodBox);
    m_percentile->setObjectName(QStringLiteral("percentileSpin"));
    m_percentile->setDecimals(6);
    m_percentile->setRange(0.0, 1.0);
    m_percentile->setSingleStep(0.0001);
    m_percentile->setAccessibleName(tr("Percentile"));
    activationRow->addWidget(m_activation, 1);
    activationRow->addWidget(new QLabel(tr("Percentile:"), methodBox));
    activationRow->addWidget(m_percentile);
    addBuddyRow(methodForm, tr("&Activation scales:"), m_activation, activationRow);
    m_threads = new QSpinBox(methodBox);
    m_threads->setObjectName(QStringLiteral("threadsSpin"));
    m_threads->setRange(0, 1024);
    m_threads->setSpecialValueText(tr("all cores (%1)").arg(QThread::idealThreadCount()));
    addBuddyRow(methodForm, tr("&Threads:"), m_threads);
    body()->addWidget(methodBox);

    auto* advancedBox = new QGroupBox(tr("Advanced: per projection group, scale groups, rotation seed"), this);
    auto* advanced = new QVBoxLayout(advancedBox);
    m_groups = new QTableWidget(static_cast<int>(groups().size()), 5, advancedBox);
    m_groups->setObjectName(QStringLiteral("groupBitsTable"));
    m_groups->setHorizontalHeaderLabels({tr("Group"), tr("Linears"), tr("Preset"), tr("Bits"), tr("Activations")});
    m_groups->verticalHeader()->setVisible(false);
    m_groups->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_groups->setSelectionMode(QAbstractItemView::NoSelection);
    m_groups->setTabKeyNavigation(false);
    m_groups->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    for (int row = 0; row < groups().size(); ++row) {
        const QString group = groups()[row];
        m_groups->setItem(row, 0, new QTableWidgetItem(group));
        m_groups->setItem(row, 1, new QTableWidgetItem(groupDescription(group)));
        m_groups->setItem(row, 2, new QTableWidgetItem());
        auto* bits = new QComboBox(m_groups);
        bits->setObjectName(QStringLiteral("groupBits_") + group);
        bits->setAccessibleName(tr("Bits for %1").arg(group));
        // Weights are integers of 2..8 bits; 16 bits is for activations (the next column).
        bits->addItem(tr("preset"), 0);
        for (int b : quant::allowedWeightBits()) bits->addItem(QString::number(b), b);
        m_groups->setCellWidget(row, 3, bits);
        m_groupBits.insert(group, bits);
        connect(bits, &QComboBox::currentIndexChanged, this, &QuantizationPage::writeGroupBits);
        auto* keep16 = new QCheckBox(tr("16-bit"), m_groups);
        keep16->setObjectName(QStringLiteral("keep16_") + group);
        keep16->setAccessibleName(tr("Keep 16-bit activations for %1").arg(group));
        m_groups->setCellWidget(row, 4, keep16);
        m_keep16.insert(group, keep16);
        connect(keep16, &QCheckBox::clicked, this, [this, group] { toggleKeep16(group); });
    }
    m_groups->setMinimumHeight(m_groups->verticalHeader()->length() + m_groups->horizontalHeader()->height() + 6);
    advanced->addWidget(m_groups);
    auto* groupSizeRow = new QFormLayout();
    m_groupSize = new QSpinBox(advancedBox);
    m_groupSize->setObjectName(QStringLiteral("groupSizeSpin"));
    m_groupSize->setRange(0, 1 << 16);
    m_groupSize->setSpecialValueText(tr("per output channel"));
    addBuddyRow(groupSizeRow, tr("Scale group si&ze:"), m_groupSize);
    m_seed = new QSpinBox(advancedBox);
    m_seed->setObjectName(QStringLiteral("seedSpin"));
    m_seed->setRange(0, INT_MAX);
    m_seed->setToolTip(tr("Seeds the random Hadamard rotations: the same seed gives the same compiled model."));
    addBuddyRow(groupSizeRow, tr("Rotation s&eed:"), m_seed);
    advanced->addLayout(groupSizeRow);
    body()->addWidget(advancedBox);

    m_validation = makeMessageLabel(QStringLiteral("quantValidationLabel"), this);
    body()->addWidget(m_validation);
    body()->addStretch(1);

    connect(m_bitMode, &QComboBox::currentIndexChanged, this, [this] {
        const auto mode = quant::parseBitMode(m_bitMode->currentData().toString().toStdString());
        edit([&] { state().settings().quantization.bitMode = mode.value_or(quant::BitMode::W4V8); });
        m_explanation->setText(bitModeExplanation(m_bitMode->currentData().toString()));
        updatePresetColumn();
        updateEstimate();
    });
    connect(m_target, &QComboBox::currentIndexChanged, this, [this] {
        const auto target = quant::parseCompileTarget(m_target->currentData().toString().toStdString());
        edit([&] { state().settings().quantization.target = target.value_or(quant::CompileTarget::Lathe); });
        updateEstimate();
        validate();
    });
    connect(m_rotation, &QCheckBox::toggled, this, [this](bool on) {
        edit([&] { state().settings().quantization.rotation = on; });
        m_seed->setEnabled(on);
        validate();
    });
    connect(m_gptq, &QCheckBox::toggled, this,
            [this](bool on) { edit([&] { state().settings().quantization.gptq = on; }); });
    connect(m_activation, &QComboBox::currentIndexChanged, this, [this] {
        const QString method = m_activation->currentData().toString();
        const auto parsed = quant::parseActivationMethod(method.toStdString());
        edit([&] {
            state().settings().quantization.activationMethod = parsed.value_or(quant::ActivationMethod::Percentile);
        });
        m_percentile->setEnabled(method == QLatin1String("percentile"));
        validate();
    });
    connect(m_percentile, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        edit([&] { state().settings().quantization.percentile = v; });
        validate();
    });
    connect(m_groupSize, &QSpinBox::valueChanged, this, [this](int v) {
        edit([&] { state().settings().quantization.groupSize = v; });
        updateEstimate();
    });
    connect(m_threads, &QSpinBox::valueChanged, this,
            [this](int v) { edit([&] { state().settings().quantization.threads = v; }); });
    connect(m_seed, &QSpinBox::valueChanged, this, [this](int v) {
        edit([&] { state().settings().quantization.seed = v; });
        validate();
    });
    connect(&studio, &StudioState::modelChanged, this, [this] {
        updateKeep16();
        updateEstimate();
    });

    setTabOrder(m_bitMode, m_target);
    setTabOrder(m_target, m_rotation);
    setTabOrder(m_rotation, m_gptq);
    setTabOrder(m_gptq, m_activation);
    setTabOrder(m_activation, m_percentile);
    setTabOrder(m_percentile, m_threads);
    QWidget* previous = m_threads;
    for (const QString& group : groups()) {
        setTabOrder(previous, m_groupBits[group]);
        setTabOrder(m_groupBits[group], m_keep16[group]);
        previous = m_keep16[group];
    }
    setTabOrder(previous, m_groupSize);
    setTabOrder(m_groupSize, m_seed);

    reload();
}

void QuantizationPage::loadSettings()
{
    const auto& q = state().settings().quantization;
    m_bitMode->setCurrentIndex(std::max(0, m_bitMode->findData(QString::fromLatin1(quant::toString(q.bitMode)))));
    m_explanation->setText(bitModeExplanation(m_bitMode->currentData().toString()));
    m_target->setCurrentIndex(std::max(0, m_target->findData(QString::fromLatin1(quant::toString(q.target)))));
    m_rotation->setChecked(q.rotation);
    m_gptq->setChecked(q.gptq);
    m_activation->setCurrentIndex(
        std::max(0, m_activation->findData(QString::fromLatin1(quant::toString(q.activationMethod)))));
    m_percentile->setValue(q.percentile);
    m_percentile->setEnabled(q.activationMethod == quant::ActivationMethod::Percentile);
    for (const QString& group : groups()) {
        const auto it = q.groupBits.find(group.toStdString());
        QComboBox* combo = m_groupBits[group];
        // Bits the page does not offer (16 from an older file) show as the preset; validation names them.
        combo->setCurrentIndex(std::max(0, combo->findData(it == q.groupBits.end() ? 0 : it->second)));
    }
    m_groupSize->setValue(q.groupSize);
    m_seed->setValue(q.seed);
    m_seed->setEnabled(q.rotation);
    m_threads->setValue(q.threads);
    updateKeep16();
    updatePresetColumn();
    updateEstimate();
}

void QuantizationPage::writeGroupBits()
{
    std::map<std::string, int> overrides;
    for (const QString& group : groups()) {
        const int bits = m_groupBits[group]->currentData().toInt();
        if (bits > 0) overrides[group.toStdString()] = bits;
    }
    edit([&] { state().settings().quantization.groupBits = overrides; });
    updateEstimate();
}

Qt::CheckState QuantizationPage::keep16State(const QString& group) const
{
    const std::string name = group.toStdString();
    const auto& kept = state().settings().quantization.keep16BitActivations;
    const auto listed = std::count_if(kept.begin(), kept.end(),
                                      [&](const std::string& module) { return quant::moduleGroup(module) == name; });
    if (listed == 0) return Qt::Unchecked;
    const auto& config = state().modelConfig();
    if (!config) return Qt::Checked;  // which linears the model has is not known yet
    for (const std::string& module : quant::groupModuleNames(*config, name))
        if (std::find(kept.begin(), kept.end(), module) == kept.end()) return Qt::PartiallyChecked;
    return Qt::Checked;
}

void QuantizationPage::toggleKeep16(const QString& group)
{
    const auto& config = state().modelConfig();
    const std::string name = group.toStdString();
    const bool keep = keep16State(group) != Qt::Checked;
    std::vector<std::string> kept;
    for (const std::string& module : state().settings().quantization.keep16BitActivations)
        if (quant::moduleGroup(module) != name) kept.push_back(module);
    if (keep && config)
        for (std::string& module : quant::groupModuleNames(*config, name)) kept.push_back(std::move(module));
    edit([&] { state().settings().quantization.keep16BitActivations = kept; });
    updateKeep16();
    validate();
}

void QuantizationPage::updateKeep16()
{
    const bool known = state().modelConfig().has_value();
    for (const QString& group : groups()) {
        QCheckBox* box = m_keep16[group];
        const Qt::CheckState checkState = keep16State(group);
        box->setTristate(checkState == Qt::PartiallyChecked);
        box->setCheckState(checkState);
        // Ticking lists every linear of the group, so it needs the model; unticking does not.
        box->setEnabled(known || checkState != Qt::Unchecked);
        box->setToolTip(known ? tr("Keep the inputs of every %1 linear at 16 bits (a static scale max|x| / 32767) "
                                   "instead of 8: more accurate, twice the activation traffic.")
                                    .arg(group)
                              : tr("Known once a model is chosen on the Model page."));
    }
}

void QuantizationPage::updatePresetColumn()
{
    const auto mode = quant::parseBitMode(m_bitMode->currentData().toString().toStdString());
    for (int row = 0; row < groups().size(); ++row)
        m_groups->item(row, 2)->setText(
            QString::number(quant::presetBits(mode.value_or(quant::BitMode::W4V8), groups()[row].toStdString())));
}

void QuantizationPage::updateEstimate()
{
    const auto& q = state().settings().quantization;
    const auto& config = state().modelConfig();
    if (!config) {
        m_estimate->setText(tr("known once a model is chosen"));
        m_estimate->setProperty("estimatedBytes", QVariant());
    } else {
        const qint64 bytes = quant::estimateCompiledBytes(*config, quantChoices(q));
        const qint64 reference = quant::bfloat16Bytes(*config);
        m_estimate->setText(tr("%1 — %2 of the bfloat16 weights (%3)")
                                .arg(formatBytesExact(bytes))
                                .arg(reference > 0 ? QStringLiteral("%1 %").arg(100.0 * bytes / reference, 0, 'f', 1)
                                                   : QStringLiteral("—"))
                                .arg(formatBytes(reference)));
        m_estimate->setProperty("estimatedBytes", bytes);
    }
    validate();
}

void QuantizationPage::collectProblems(QStringList* errors, QStringList* warnings) const
{
    const auto& q = state().settings().quantization;
    if (q.activationMethod == quant::ActivationMethod::Percentile && !(q.percentile > 0.0 && q.percentile <= 1.0))
        *errors << tr("The activation percentile must lie in (0, 1], e.g. 0.9999.");
    else if (q.activationMethod == quant::ActivationMethod::Percentile && q.percentile < 0.99)
        *warnings << tr("A percentile below 0.99 clips more than 1 % of activations; 0.9999 is the usual choice.");
    if (q.seed < 0) *errors << tr("The rotation seed must be 0 or more.");
    // Bits and group size: the compiler's own rules (a file may hold 16-bit weights, which no compile accepts).
    if (auto valid = quant::validateQuantChoices(quantChoices(q)); !valid)
        *errors << QString::fromStdString(valid.error().message);
    const auto& config = state().modelConfig();
    if (config) {
        const std::vector<std::string> known = quant::allModuleNames(*config);
        for (const std::string& module : q.keep16BitActivations) {
            if (std::find(known.begin(), known.end(), module) != known.end()) continue;
            *errors << tr("16-bit activations are set for %1, which this model does not have: untick and tick "
                          "its group again.")
                           .arg(QString::fromStdString(module));
            break;
        }
    }
    if (!q.rotation && q.bitMode != quant::BitMode::W8)
        *warnings << tr("Without rotation, 4-bit weights usually lose much more accuracy; keep it on for %1.")
                         .arg(QString::fromLatin1(quant::toString(q.bitMode)));
}

QString QuantizationPage::validationMessage() const
{
    QStringList errors, warnings;
    collectProblems(&errors, &warnings);
    return (errors + warnings).join(QLatin1Char('\n'));
}

void QuantizationPage::validate()
{
    QStringList errors, warnings;
    collectProblems(&errors, &warnings);
    showMessage(m_validation, (errors + warnings).join(QLatin1Char('\n')),
                errors.isEmpty() ? Tone::Warning : Tone::Error);
}

}  // namespace lathe::ui
