#pragma once

#include <QWidget>

class QFormLayout;
class QLabel;
class QLayout;
class QVBoxLayout;

namespace lathe::ui {

class StudioState;

// Common frame of a wizard step: a heading, a short explanation, and a body. Pages fill their widgets from
// the shared StudioState when a project is opened (loadSettings) and write a user's edits back at once.
class WizardPage : public QWidget {
    Q_OBJECT
public:
    WizardPage(StudioState& state, const QString& heading, const QString& explanation, QWidget* parent = nullptr);

    // Helpers for the pages and the panels they are made of.
    // A form row whose label focuses `buddy` with its Alt mnemonic; the field is the buddy, or a row holding it.
    static void addBuddyRow(QFormLayout* form, const QString& text, QWidget* buddy);
    static void addBuddyRow(QFormLayout* form, const QString& text, QWidget* buddy, QLayout* field);

    enum class Tone { Info, Error, Warning, Success };
    // Readable, selectable message labels for errors and validation shown on the page that caused them.
    static QLabel* makeMessageLabel(const QString& objectName, QWidget* parent);
    static void showMessage(QLabel* label, const QString& text, Tone tone = Tone::Info);

protected:
    StudioState& state() { return m_state; }
    const StudioState& state() const { return m_state; }
    QVBoxLayout* body() { return m_body; }

    // Fills the widgets from state().settings(); edits made meanwhile must not mark the project modified.
    virtual void loadSettings() = 0;
    bool isLoading() const { return m_loading; }
    // Writes an edit: runs `apply` on the settings and marks the project modified, unless loading.
    template <typename Apply>
    void edit(Apply apply)
    {
        if (m_loading) return;
        apply();
        markModified();
    }
    void reload();

private:
    void markModified();

    StudioState& m_state;
    QVBoxLayout* m_body = nullptr;
    bool m_loading = false;
};

}  // namespace lathe::ui
