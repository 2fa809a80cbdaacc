#include "lathe/runtime/Compare.h"
#include "lathe/runtime/Perplexity.h"

#include <nlohmann/json.hpp>

namespace lathe::runtime {
namespace {

nlohmann::ordered_json perplexityJson(const PerplexityResult& r)
{
    return {{"perplexity", r.perplexity},         {"mean_nll", r.meanNll},
            {"text_tokens", r.textTokens},       {"windows", r.windows},
            {"scored_tokens", r.scoredTokens},   {"dropped_tokens", r.droppedTokens},
            {"dropped_lines", r.droppedLines},   {"ctx", r.ctx},
            {"bos_prepended", r.bosPrepended},   {"seconds", r.seconds}};
}

}  // namespace

std::string perplexityResultToJson(const PerplexityResult& result)
{
    return perplexityJson(result).dump(2);
}

std::string compareResultToJson(const CompareResult& result)
{
    nlohmann::ordered_json j;
    j["float"] = perplexityJson(result.floatResult);
    j["compiled"] = perplexityJson(result.compiledResult);
    j["perplexity_ratio"] = result.perplexityRatio;
    j["top1_agreement"] = result.top1Agreement;
    j["agreeing_positions"] = result.agreeingPositions;
    return j.dump(2);
}

}  // namespace lathe::runtime
