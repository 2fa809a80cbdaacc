#include "lathe/ui/MainWindow.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QStackedWidget>
#include <QStatusBar>

namespace lathe::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Lathe Studio"));
    resize(1100, 720);

    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    m_steps = new QListWidget(central);
    m_steps->setObjectName(QStringLiteral("stepList"));
    m_steps->setMaximumWidth(220);
    m_pages = new QStackedWidget(central);
    m_pages->setObjectName(QStringLiteral("pageStack"));
    layout->addWidget(m_steps);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);

    buildSteps();
    connect(m_steps, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    m_steps->setCurrentRow(0);
    statusBar()->showMessage(tr("Ready"));
}

void MainWindow::buildSteps()
{
    const QStringList steps = {tr("Project"), tr("Hugging Face account"), tr("Model"), tr("Calibration"),
                               tr("Quantization"), tr("Compile"), tr("Results")};
    const QStringList ids = {"project", "account", "model", "calibration", "quantization", "compile", "results"};
    for (int i = 0; i < steps.size(); ++i) {
        m_steps->addItem(steps[i]);
        auto* page = new QLabel(tr("%1 — this step arrives with the wizard.").arg(steps[i]), m_pages);
        page->setObjectName(ids[i] + QStringLiteral("Page"));
        page->setAlignment(Qt::AlignCenter);
        m_pages->addWidget(page);
    }
}

}  // namespace lathe::ui
