#pragma once

#include "pages/WizardPage.h"

#include "lathe/tokenize/Tokenizer.h"

#include <memory>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTimer;

namespace lathe::ui {

class Job;
class LengthHistogram;

// Step 4: calibration data. Dataset (Wikipedia or a local file), languages, sequence lengths and samples per
// language (checked against the model's context), merge; a preview of how the model's tokenizer splits a
// sample; runs lathe::calib::generateCalibration on a worker and plots the sample lengths.
class CalibrationPage : public WizardPage {
    Q_OBJECT
public:
    explicit CalibrationPage(StudioState& state, QWidget* parent = nullptr);

    static const QStringList& defaultLanguages();  // en de fr es it ja ko zh

    // Empty when the settings can run; else what to fix, one line per problem.
    QString validationMessage() const;

protected:
    void loadSettings() override;

private:
    // The sections of the page; each creates its widgets and connects them.
    QGroupBox* buildSamplesSection();
    QGroupBox* buildPreviewSection();
    QGroupBox* buildRunSection();
    void writeLanguages();
    void showLanguages(const std::vector<std::string>& languages);
    void addLanguage();
    void chooseTextFile();
    void updateDatasetWidgets();
    void updateLayoutWidgets();
    void chooseLayout();
    void validate();
    void onModelChanged();
    void schedulePreview();
    void runPreview();
    void startCalibration();
    void onProgress(const QVariant& value);

    QLabel* m_modelLabel = nullptr;
    QComboBox* m_dataset = nullptr;
    QLineEdit* m_textFile = nullptr;
    QPushButton* m_textBrowse = nullptr;
    QListWidget* m_languages = nullptr;
    QLineEdit* m_newLanguage = nullptr;
    QPushButton* m_addLanguage = nullptr;
    QComboBox* m_layout = nullptr;
    QSpinBox* m_minSeqLen = nullptr;
    QSpinBox* m_maxSeqLen = nullptr;
    QSpinBox* m_samples = nullptr;
    QLabel* m_samplesLabel = nullptr;
    QCheckBox* m_merge = nullptr;
    QLabel* m_validation = nullptr;

    QPlainTextEdit* m_previewText = nullptr;
    QPlainTextEdit* m_previewTokens = nullptr;
    QLabel* m_previewCount = nullptr;
    QTimer* m_previewTimer = nullptr;

    QPushButton* m_run = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_error = nullptr;
    LengthHistogram* m_histogram = nullptr;

    Job* m_job = nullptr;
    Job* m_previewJob = nullptr;
    bool m_previewAgain = false;
    bool m_previewTextFromCorpus = false;
    std::shared_ptr<const tokenize::Tokenizer> m_tokenizer;
    QString m_tokenizerDir;
};

}  // namespace lathe::ui
