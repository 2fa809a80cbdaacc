#include "hub/IniFile.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace lathe::hub::detail {

static std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

IniFile IniFile::parse(const std::string& text)
{
    IniFile ini;
    std::istringstream in(text);
    std::string line;
    Section* current = nullptr;
    std::pair<std::string, std::string>* lastEntry = nullptr;
    while (std::getline(in, line)) {
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') {
            lastEntry = nullptr;
            continue;
        }
        const bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (indented && lastEntry != nullptr) {
            lastEntry->second += "\n" + t;
            continue;
        }
        if (t.front() == '[' && t.back() == ']') {
            const std::string name = t.substr(1, t.size() - 2);
            current = ini.find(name);
            if (current == nullptr) {
                ini.m_sections.push_back({name, {}});
                current = &ini.m_sections.back();
            }
            lastEntry = nullptr;
            continue;
        }
        if (current == nullptr) continue;  // configparser would reject the file; keep what we can
        const auto sep = t.find_first_of("=:");
        std::string key = trim(sep == std::string::npos ? t : t.substr(0, sep));
        std::string value = sep == std::string::npos ? std::string() : trim(t.substr(sep + 1));
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto it = std::find_if(current->entries.begin(), current->entries.end(),
                               [&](const auto& kv) { return kv.first == key; });
        if (it != current->entries.end()) {
            it->second = value;
            lastEntry = &*it;
        } else {
            current->entries.emplace_back(key, value);
            lastEntry = &current->entries.back();
        }
    }
    return ini;
}

std::string IniFile::serialize() const
{
    std::string out;
    for (const auto& s : m_sections) {
        out += "[" + s.name + "]\n";
        for (const auto& [k, v] : s.entries) {
            std::string value = v;
            for (std::size_t p = 0; (p = value.find('\n', p)) != std::string::npos; p += 2) value.replace(p, 1, "\n\t");
            out += k + " = " + value + "\n";
        }
        out += "\n";
    }
    return out;
}

IniFile::Section* IniFile::find(const std::string& name)
{
    for (auto& s : m_sections)
        if (s.name == name) return &s;
    return nullptr;
}

void IniFile::remove(const std::string& name)
{
    m_sections.erase(std::remove_if(m_sections.begin(), m_sections.end(),
                                    [&](const Section& s) { return s.name == name; }),
                     m_sections.end());
}

void IniFile::replace(const std::string& name, std::vector<std::pair<std::string, std::string>> entries)
{
    if (Section* s = find(name)) s->entries = std::move(entries);
    else m_sections.push_back({name, std::move(entries)});
}

void IniFile::sortSections()
{
    std::stable_sort(m_sections.begin(), m_sections.end(),
                     [](const Section& a, const Section& b) { return a.name < b.name; });
}

}  // namespace lathe::hub::detail
