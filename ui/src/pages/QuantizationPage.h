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
// the chosen model, rotation and GPTQ switches, activation calibration method, per-group bit overrides, group
// size and threads, with validation shown inline.
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

    QComboBox* m_bitMode = nullptr;
    QLabel* m_explanation = nullptr;
    QLabel* m_estimate = nullptr;
    QCheckBox* m_rotation = nullptr;
    QCheckBox* m_gptq = nullptr;
    QComboBox* m_activation = nullptr;
    QDoubleSpinBox* m_percentile = nullptr;
    QTableWidget* m_groups = nullptr;
    QMap<QString, QComboBox*> m_groupBits;
    QSpinBox* m_groupSize = nullptr;
    QSpinBox* m_threads = nullptr;
    QLabel* m_validation = nullptr;
};

}  // namespace lathe::ui
