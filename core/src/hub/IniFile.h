#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lathe::hub::detail {

// The subset of Python's configparser that huggingface_hub's stored_tokens file uses: sections, `key = value`
// (or `key: value`), full-line comments, indented continuation lines, keys lowercased. Written back the way
// configparser.write does: "[name]\n", "key = value\n" per key, and a blank line after each section.
class IniFile {
public:
    struct Section {
        std::string name;
        std::vector<std::pair<std::string, std::string>> entries;
    };

    static IniFile parse(const std::string& text);
    std::string serialize() const;  // sections in the stored order

    Section* find(const std::string& name);
    void remove(const std::string& name);
    void replace(const std::string& name, std::vector<std::pair<std::string, std::string>> entries);
    void sortSections();
    const std::vector<Section>& sections() const { return m_sections; }

private:
    std::vector<Section> m_sections;
};

}  // namespace lathe::hub::detail
