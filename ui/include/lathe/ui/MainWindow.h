#pragma once

#include <QMainWindow>

class QStackedWidget;
class QListWidget;

namespace lathe::ui {

// The Lathe Studio main window: a step list on the left and the current wizard page on the right.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

private:
    void buildSteps();

    QListWidget* m_steps = nullptr;
    QStackedWidget* m_pages = nullptr;
};

}  // namespace lathe::ui
