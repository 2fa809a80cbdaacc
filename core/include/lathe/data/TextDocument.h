#pragma once

#include <string>

namespace lathe::data {

// One document of a text corpus (a Wikipedia article, a paragraph block of a .txt file, a .jsonl record).
struct TextDocument {
    std::string id;     // from the source when it has one, else the document's position
    std::string title;  // empty when the source has none
    std::string text;   // valid UTF-8
};

}  // namespace lathe::data
