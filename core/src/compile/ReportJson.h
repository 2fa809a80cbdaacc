#pragma once
// Private to core.

#include "lathe/common/Result.h"
#include "lathe/compile/CompileReport.h"

#include <nlohmann/json.hpp>

#include <string>

namespace lathe::compile {

// report.json and report.csv (docs/compiler.md, "Report"). Both are functions of the report alone, so the same
// compile gives the same bytes.
std::string reportJsonText(const CompileReport& report);
std::string reportCsvText(const CompileReport& report);

// One row of "linears" / "blocks", shared with the work folder's state.json.
nlohmann::ordered_json linearToJson(const LinearReport& r);
nlohmann::ordered_json blockToJson(const BlockReport& b);
// Errors: Corrupt naming `where` and the field.
Result<LinearReport> linearFromJson(const nlohmann::json& j, const std::string& where);
Result<BlockReport> blockFromJson(const nlohmann::json& j, const std::string& where);

}  // namespace lathe::compile
