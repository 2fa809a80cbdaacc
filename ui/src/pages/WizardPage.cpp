#include "pages/WizardPage.h"

#include "StudioState.h"

#include <QFormLayout>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

namespace lathe::ui {

WizardPage::WizardPage(StudioState& state, const QString& heading, const QString& explanation, QWidget* parent)
    : QWidget(parent), m_state(state)
{
    auto* outer = new QVBoxLayout(this);
    auto* title = new QLabel(heading, this);
    QFont font = title->font();
    font.setPointSizeF(font.pointSizeF() * 1.4);
    font.setBold(true);
    title->setFont(font);
    title->setAccessibleName(heading);
    outer->addWidget(title);
    auto* text = new QLabel(explanation, this);
    text->setWordWrap(true);
    text->setOpenExternalLinks(true);
    text->setTextInteractionFlags(Qt::TextBrowserInteraction);
    outer->addWidget(text);
    // The body scrolls on its own, so a tall page fits a small screen with Back/Next still visible.
    auto* area = new QScrollArea(this);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    auto* content = new QWidget(area);
    m_body = new QVBoxLayout(content);
    m_body->setContentsMargins(0, 0, 0, 0);
    area->setWidget(content);
    outer->addWidget(area, 1);
    connect(&m_state, &StudioState::settingsReplaced, this, &WizardPage::reload);
}

void WizardPage::reload()
{
    m_loading = true;
    loadSettings();
    m_loading = false;
}

void WizardPage::markModified()
{
    m_state.markModified();
}

void WizardPage::addBuddyRow(QFormLayout* form, const QString& text, QWidget* buddy)
{
    auto* label = new QLabel(text, form->parentWidget());
    label->setBuddy(buddy);
    form->addRow(label, buddy);
}

void WizardPage::addBuddyRow(QFormLayout* form, const QString& text, QWidget* buddy, QLayout* field)
{
    auto* label = new QLabel(text, form->parentWidget());
    label->setBuddy(buddy);
    form->addRow(label, field);
}

QLabel* WizardPage::makeMessageLabel(const QString& objectName, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse |
                                   Qt::LinksAccessibleByKeyboard);
    label->setOpenExternalLinks(true);
    label->setVisible(false);
    return label;
}

void WizardPage::showMessage(QLabel* label, const QString& text, Tone tone)
{
    static const char* colors[] = {"palette(text)", "#b00020", "#8a5a00", "#1b6e20"};
    label->setText(text);
    label->setStyleSheet(QStringLiteral("color: %1;").arg(QLatin1String(colors[static_cast<int>(tone)])));
    label->setVisible(!text.isEmpty());
}

}  // namespace lathe::ui
