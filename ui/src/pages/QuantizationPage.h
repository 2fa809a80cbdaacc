#pragma once

#include "pages/WizardPage.h"

#include <QMap>
#include <QStringList>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QTableWidget;

namespace lathe::ui {

// Step 5: how the model is quantized. Bit mode with a one-line explanation and the estimated compiled size for
// the chosen model, rotation and GPTQ switches, activation calibration method and threads; in the advanced
// section per-group bit overrides and 16-bit activations, scale group size and the rotation seed. Validation is
// shown inline.
class QuantizationPage : public WizardPage {
    Q_OBJECT
public:
    explicit QuantizationPage(StudioState& state, QWidget* parent = nullptr);

    static QString bitModeExplanation(const QString& bitMode);
    // Errors block a compile; warnings are advice. Both are shown inline, one line each.
    QString validationMessage() const;

protected:
    void loadSettings() override;

private:
    void updateEstimate();
    void updatePresetColumn();
    void collectProblems(QStringList* errors, QStringList* warnings) const;
    void validate();
    void writeGroupBits();
    // 16-bit activations are stored per linear; a group's box is ticked when all of its linears are listed.
    Qt::CheckState keep16State(const QString& group) const;
    void toggleKeep16(const QString& group);
    void updateKeep16();

    QComboBox* m_target = nullptr;
    QComboBox* m_bitMode = nullptr;
    QLabel* m_explanation = nullptr;
    QLabel* m_estimate = nullptr;
    QCheckBox* m_rotation = nullptr;
    QCheckBox* m_gptq = nullptr;
    QComboBox* m_activation = nullptr;
    QDoubleSpinBox* m_percentile = nullptr;
    QTableWidget* m_groups = nullptr;
    QMap<QString, QComboBox*> m_groupBits;
    QMap<QString, QCheckBox*> m_keep16;
    QSpinBox* m_groupSize = nullptr;
    QSpinBox* m_seed = nullptr;
    QSpinBox* m_threads = nullptr;
    QLabel* m_validation = nullptr;
};

}  // namespace lathe::ui
