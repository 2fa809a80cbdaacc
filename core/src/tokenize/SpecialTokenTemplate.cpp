#include "SpecialTokenTemplate.h"

namespace lathe::tokenize {

namespace {

std::vector<int32_t> idsOf(const Json& special, const std::string& path)
{
    std::vector<int32_t> ids;
    for (const Json& id : requireArray(special, "ids", path)) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
            failCorrupt(childPath(path, "ids"), "expected token ids");
        ids.push_back(static_cast<int32_t>(id.get<int64_t>()));
    }
    return ids;
}

SpecialTokenTemplate templateProcessing(const Json& spec, const std::string& path)
{
    const Json& specials = requireMember(spec, "special_tokens", path);
    const Json& single = requireArray(spec, "single", path);
    SpecialTokenTemplate out;
    bool seenSequence = false;
    for (size_t i = 0; i < single.size(); ++i) {
        const std::string where = childPath(childPath(path, "single"), i);
        const Json& piece = single[i];
        if (piece.is_object() && piece.contains("Sequence")) {
            if (seenSequence) failUnsupported(where, "a single-sequence template that repeats the sequence");
            seenSequence = true;
            continue;
        }
        if (!piece.is_object() || !piece.contains("SpecialToken")) failCorrupt(where, "expected SpecialToken or Sequence");
        const std::string name = requireString(piece["SpecialToken"], "id", childPath(where, "SpecialToken"));
        const auto special = specials.find(name);
        if (special == specials.end())
            failCorrupt(where, "special token \"" + name + "\" is not listed in special_tokens");
        const std::vector<int32_t> ids = idsOf(*special, childPath(childPath(path, "special_tokens"), name));
        auto& side = seenSequence ? out.suffix : out.prefix;
        side.insert(side.end(), ids.begin(), ids.end());
    }
    if (!seenSequence) failCorrupt(childPath(path, "single"), "the template never places the sequence ($A)");
    return out;
}

int32_t pairId(const Json& spec, const char* key, const std::string& path)
{
    const Json& pair = requireMember(spec, key, path);
    if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer() || pair[1].get<int64_t>() < 0 ||
        pair[1].get<int64_t>() > INT32_MAX)
        failCorrupt(childPath(path, key), "expected [token, id]");
    return static_cast<int32_t>(pair[1].get<int64_t>());
}

}  // namespace

SpecialTokenTemplate SpecialTokenTemplate::fromJson(const Json& spec, const std::string& path)
{
    if (spec.is_null()) return {};
    const std::string type = typeOf(spec, path);
    if (type == "ByteLevel") return {};
    if (type == "TemplateProcessing") return templateProcessing(spec, path);
    if (type == "RobertaProcessing" || type == "BertProcessing")
        return {{pairId(spec, "cls", path)}, {pairId(spec, "sep", path)}};
    if (type == "Sequence") {
        // Each processor wraps what the previous ones produced.
        SpecialTokenTemplate out;
        const Json& list = requireArray(spec, "processors", path);
        for (size_t i = 0; i < list.size(); ++i) {
            const SpecialTokenTemplate inner = fromJson(list[i], childPath(childPath(path, "processors"), i));
            out.prefix.insert(out.prefix.begin(), inner.prefix.begin(), inner.prefix.end());
            out.suffix.insert(out.suffix.end(), inner.suffix.begin(), inner.suffix.end());
        }
        return out;
    }
    failUnsupported(path, "post-processor \"" + type + "\"");
}

}  // namespace lathe::tokenize
