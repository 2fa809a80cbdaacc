#include "lathe/compile/CompileReport.h"

#include "common/AtomicFile.h"
#include "compile/ReportJson.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

namespace lathe::compile {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr const char* kFormat = "lathe-compile-report";
constexpr int kVersion = 1;

// JSON has no infinity: non-finite values are written as strings.
OrderedJson number(double v)
{
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return v;
}

std::string csvNumber(double v)
{
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

// Typed reads of one JSON object; errors name the file position and field.
class Reader {
public:
    Reader(const Json& j, std::string where) : m_j(j), m_where(std::move(where)) {}

    Error bad(const std::string& field, const std::string& what) const
    {
        return makeError(ErrorCode::Corrupt, m_where + ": field \"" + field + "\" " + what);
    }
    Result<const Json*> member(const std::string& field) const
    {
        if (!m_j.is_object() || !m_j.contains(field)) return bad(field, "is missing");
        return &m_j.at(field);
    }
    Result<double> real(const std::string& field) const
    {
        auto v = member(field);
        if (!v) return v.error();
        if ((*v)->is_number()) return (*v)->get<double>();
        if ((*v)->is_string()) {
            const std::string s = (*v)->get<std::string>();
            if (s == "inf") return std::numeric_limits<double>::infinity();
            if (s == "-inf") return -std::numeric_limits<double>::infinity();
            if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
        }
        return bad(field, "must be a number (or \"inf\")");
    }
    Result<int64_t> integer(const std::string& field) const
    {
        auto v = member(field);
        if (!v) return v.error();
        if (!(*v)->is_number_integer()) return bad(field, "must be an integer");
        return (*v)->get<int64_t>();
    }
    Result<std::string> text(const std::string& field) const
    {
        auto v = member(field);
        if (!v) return v.error();
        if (!(*v)->is_string()) return bad(field, "must be a string");
        return (*v)->get<std::string>();
    }
    Result<bool> boolean(const std::string& field) const
    {
        auto v = member(field);
        if (!v) return v.error();
        if (!(*v)->is_boolean()) return bad(field, "must be true or false");
        return (*v)->get<bool>();
    }

private:
    const Json& m_j;
    std::string m_where;
};

#define LATHE_READ(dst, expr)        \
    do {                             \
        auto r_ = (expr);            \
        if (!r_) return r_.error();  \
        dst = std::move(r_).value(); \
    } while (0)

}  // namespace

OrderedJson linearToJson(const LinearReport& r)
{
    OrderedJson j;
    j["layer"] = r.layer;
    j["projection"] = r.projection;
    j["group"] = r.group;
    j["weight_bits"] = r.weightBits;
    j["activation_bits"] = r.activationBits;
    j["sqnr_isolated_db"] = number(r.sqnrIsolatedDb);
    j["sqnr_propagated_db"] = number(r.sqnrPropagatedDb);
    j["weight_scale_min"] = number(r.weightScaleMin);
    j["weight_scale_max"] = number(r.weightScaleMax);
    j["weight_scale_mean"] = number(r.weightScaleMean);
    j["weight_clip_rate"] = number(r.weightClipRate);
    j["activation_scale"] = number(r.activationScale);
    j["activation_abs_max"] = number(r.activationAbsMax);
    j["activation_clip_rate"] = number(r.activationClipRate);
    j["gptq_damping"] = number(r.gptqDamping);
    return j;
}

OrderedJson blockToJson(const BlockReport& b)
{
    OrderedJson j;
    j["layer"] = b.layer;
    j["output_sqnr_db"] = number(b.outputSqnrDb);
    return j;
}

Result<LinearReport> linearFromJson(const Json& j, const std::string& where)
{
    const Reader in(j, where);
    LinearReport r;
    LATHE_READ(r.layer, in.integer("layer"));
    LATHE_READ(r.projection, in.text("projection"));
    LATHE_READ(r.group, in.text("group"));
    LATHE_READ(r.weightBits, in.integer("weight_bits"));
    LATHE_READ(r.activationBits, in.integer("activation_bits"));
    LATHE_READ(r.sqnrIsolatedDb, in.real("sqnr_isolated_db"));
    LATHE_READ(r.sqnrPropagatedDb, in.real("sqnr_propagated_db"));
    LATHE_READ(r.weightScaleMin, in.real("weight_scale_min"));
    LATHE_READ(r.weightScaleMax, in.real("weight_scale_max"));
    LATHE_READ(r.weightScaleMean, in.real("weight_scale_mean"));
    LATHE_READ(r.weightClipRate, in.real("weight_clip_rate"));
    LATHE_READ(r.activationScale, in.real("activation_scale"));
    LATHE_READ(r.activationAbsMax, in.real("activation_abs_max"));
    LATHE_READ(r.activationClipRate, in.real("activation_clip_rate"));
    LATHE_READ(r.gptqDamping, in.real("gptq_damping"));
    return r;
}

Result<BlockReport> blockFromJson(const Json& j, const std::string& where)
{
    const Reader in(j, where);
    BlockReport b;
    LATHE_READ(b.layer, in.integer("layer"));
    LATHE_READ(b.outputSqnrDb, in.real("output_sqnr_db"));
    return b;
}

std::string reportJsonText(const CompileReport& report)
{
    OrderedJson j;
    j["format"] = kFormat;
    j["format_version"] = kVersion;
    j["model"] = report.model;
    j["bit_mode"] = report.bitMode;
    j["weight_method"] = report.weightMethod;
    j["activation_method"] = report.activationMethod;
    j["percentile"] = number(report.percentile);
    j["rotated"] = report.rotated;
    j["calib_samples"] = report.calibSamples;
    j["calib_tokens"] = report.calibTokens;
    j["final_kl_divergence"] = number(report.finalKlDivergence);
    j["linears"] = OrderedJson::array();
    for (const auto& r : report.linears) j["linears"].push_back(linearToJson(r));
    j["blocks"] = OrderedJson::array();
    for (const auto& b : report.blocks) j["blocks"].push_back(blockToJson(b));
    return j.dump(2) + "\n";
}

std::string reportCsvText(const CompileReport& report)
{
    std::string out =
        "layer,projection,group,weight_bits,activation_bits,sqnr_isolated_db,sqnr_propagated_db,"
        "weight_scale_min,weight_scale_max,weight_scale_mean,weight_clip_rate,activation_scale,"
        "activation_abs_max,activation_clip_rate,gptq_damping\n";
    for (const auto& r : report.linears) {
        out += std::to_string(r.layer) + "," + r.projection + "," + r.group + "," + std::to_string(r.weightBits) + "," +
               std::to_string(r.activationBits);
        for (double v : {r.sqnrIsolatedDb, r.sqnrPropagatedDb, r.weightScaleMin, r.weightScaleMax, r.weightScaleMean,
                         r.weightClipRate, r.activationScale, r.activationAbsMax, r.activationClipRate, r.gptqDamping})
            out += "," + csvNumber(v);
        out += "\n";
    }
    return out;
}

Result<CompileReport> loadCompileReport(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return makeError(ErrorCode::NotFound, "compile report " + path + " does not exist");
    auto text = readWholeFile(path);
    if (!text) return text.error();
    Json j;
    try {
        j = Json::parse(*text);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt,
                         path + " is not valid JSON (" + e.what() + "); compile again to remake it");
    }
    const Reader in(j, path);
    std::string format;
    LATHE_READ(format, in.text("format"));
    if (format != kFormat)
        return makeError(ErrorCode::Corrupt, path + " is not a Lathe compile report (format \"" + format + "\")");
    CompileReport report;
    LATHE_READ(report.formatVersion, in.integer("format_version"));
    if (report.formatVersion > kVersion)
        return makeError(ErrorCode::Unsupported, path + " was written by a newer Lathe (report format " +
                                                     std::to_string(report.formatVersion) + ", this build reads " +
                                                     std::to_string(kVersion) + ")");
    LATHE_READ(report.model, in.text("model"));
    LATHE_READ(report.bitMode, in.text("bit_mode"));
    LATHE_READ(report.weightMethod, in.text("weight_method"));
    LATHE_READ(report.activationMethod, in.text("activation_method"));
    LATHE_READ(report.percentile, in.real("percentile"));
    LATHE_READ(report.rotated, in.boolean("rotated"));
    LATHE_READ(report.calibSamples, in.integer("calib_samples"));
    LATHE_READ(report.calibTokens, in.integer("calib_tokens"));
    LATHE_READ(report.finalKlDivergence, in.real("final_kl_divergence"));
    const Json* linears = nullptr;
    LATHE_READ(linears, in.member("linears"));
    const Json* blocks = nullptr;
    LATHE_READ(blocks, in.member("blocks"));
    if (!linears->is_array() || !blocks->is_array())
        return makeError(ErrorCode::Corrupt, path + ": \"linears\" and \"blocks\" must be arrays");
    for (size_t i = 0; i < linears->size(); ++i) {
        auto r = linearFromJson((*linears)[i], path + " linears[" + std::to_string(i) + "]");
        if (!r) return r.error();
        report.linears.push_back(std::move(r).value());
    }
    for (size_t i = 0; i < blocks->size(); ++i) {
        auto b = blockFromJson((*blocks)[i], path + " blocks[" + std::to_string(i) + "]");
        if (!b) return b.error();
        report.blocks.push_back(std::move(b).value());
    }
    return report;
}

}  // namespace lathe::compile
