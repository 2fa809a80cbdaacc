#include "lathe/compile/CompileReport.h"

#include "common/FileIo.h"
#include "common/JsonFields.h"
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
class Reader : public JsonFields {
public:
    Reader(const Json& j, const std::string& where)
        : JsonFields(j, [where](const std::string& field, const std::string& what) {
              return where + ": field \"" + field + "\" " + what;
          })
    {
    }

    // A number, or one of the strings number() writes for non-finite values.
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
};

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
    LATHE_READ_FIELD(r.layer, in.integer("layer"));
    LATHE_READ_FIELD(r.projection, in.string("projection"));
    LATHE_READ_FIELD(r.group, in.string("group"));
    LATHE_READ_FIELD(r.weightBits, in.integer("weight_bits"));
    LATHE_READ_FIELD(r.activationBits, in.integer("activation_bits"));
    LATHE_READ_FIELD(r.sqnrIsolatedDb, in.real("sqnr_isolated_db"));
    LATHE_READ_FIELD(r.sqnrPropagatedDb, in.real("sqnr_propagated_db"));
    LATHE_READ_FIELD(r.weightScaleMin, in.real("weight_scale_min"));
    LATHE_READ_FIELD(r.weightScaleMax, in.real("weight_scale_max"));
    LATHE_READ_FIELD(r.weightScaleMean, in.real("weight_scale_mean"));
    LATHE_READ_FIELD(r.weightClipRate, in.real("weight_clip_rate"));
    LATHE_READ_FIELD(r.activationScale, in.real("activation_scale"));
    LATHE_READ_FIELD(r.activationAbsMax, in.real("activation_abs_max"));
    LATHE_READ_FIELD(r.activationClipRate, in.real("activation_clip_rate"));
    LATHE_READ_FIELD(r.gptqDamping, in.real("gptq_damping"));
    return r;
}

Result<BlockReport> blockFromJson(const Json& j, const std::string& where)
{
    const Reader in(j, where);
    BlockReport b;
    LATHE_READ_FIELD(b.layer, in.integer("layer"));
    LATHE_READ_FIELD(b.outputSqnrDb, in.real("output_sqnr_db"));
    return b;
}

std::string reportJsonText(const CompileReport& report)
{
    OrderedJson j;
    j["format"] = kFormat;
    j["format_version"] = kVersion;
    j["model"] = report.model;
    j["bit_mode"] = quant::toString(report.bitMode);
    j["weight_method"] = quant::toString(report.weightMethod);
    j["activation_method"] = quant::toString(report.activationMethod);
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
    LATHE_READ_FIELD(format, in.string("format"));
    if (format != kFormat)
        return makeError(ErrorCode::Corrupt, path + " is not a Lathe compile report (format \"" + format + "\")");
    CompileReport report;
    LATHE_READ_FIELD(report.formatVersion, in.integer("format_version"));
    if (report.formatVersion > kVersion)
        return makeError(ErrorCode::Unsupported, path + " was written by a newer Lathe (report format " +
                                                     std::to_string(report.formatVersion) + ", this build reads " +
                                                     std::to_string(kVersion) + ")");
    LATHE_READ_FIELD(report.model, in.string("model"));
    LATHE_READ_FIELD(report.bitMode, in.enumeration("bit_mode", quant::parseBitMode, quant::bitModeNames()));
    LATHE_READ_FIELD(report.weightMethod,
                     in.enumeration("weight_method", quant::parseWeightMethod, quant::weightMethodNames()));
    LATHE_READ_FIELD(report.activationMethod,
                     in.enumeration("activation_method", quant::parseActivationMethod, quant::activationMethodNames()));
    LATHE_READ_FIELD(report.percentile, in.real("percentile"));
    LATHE_READ_FIELD(report.rotated, in.boolean("rotated"));
    LATHE_READ_FIELD(report.calibSamples, in.integer("calib_samples"));
    LATHE_READ_FIELD(report.calibTokens, in.integer("calib_tokens"));
    LATHE_READ_FIELD(report.finalKlDivergence, in.real("final_kl_divergence"));
    const Json* linears = nullptr;
    LATHE_READ_FIELD(linears, in.member("linears"));
    const Json* blocks = nullptr;
    LATHE_READ_FIELD(blocks, in.member("blocks"));
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
