#include "CliSupport.h"

#include "lathe/tokenize/Tokenizer.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace lathe::cli {

namespace {

struct TokenizeOptions {
    std::string tokenizer;
    std::vector<std::string> texts;
    std::string textFile;
    std::string splitOn;
    bool noSpecial = false;
};

// Shells make a literal newline awkward to type, so the separator understands \n, \t, \r and \\.
std::string unescape(const std::string& text)
{
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        switch (text[++i]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\\': out += '\\'; break;
        default: out += '\\'; out += text[i]; break;
        }
    }
    return out;
}

// A separator at the very end does not start one more (empty) input, so "a\nb\n" is two lines.
void splitInto(const std::string& text, const std::string& separator, std::vector<std::string>& inputs)
{
    size_t start = 0;
    while (true) {
        const size_t at = text.find(separator, start);
        if (at == std::string::npos) break;
        inputs.push_back(text.substr(start, at - start));
        start = at + separator.size();
    }
    if (start < text.size() || start == 0) inputs.push_back(text.substr(start));
}

int run(const TokenizeOptions& options)
{
    std::vector<std::string> sources = options.texts;
    if (!options.textFile.empty()) {
        std::ifstream in(options.textFile, std::ios::binary);
        if (!in)
            return reportError(makeError(ErrorCode::NotFound, "cannot read --text-file " + options.textFile));
        sources.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    std::vector<std::string> inputs;
    const std::string separator = unescape(options.splitOn);
    for (const std::string& source : sources) {
        if (separator.empty())
            inputs.push_back(source);
        else
            splitInto(source, separator, inputs);
    }

    auto tokenizer = tokenize::Tokenizer::load(options.tokenizer);
    if (!tokenizer) return reportError(tokenizer.error());
    for (const std::string& input : inputs) {
        if (interruptToken().stopRequested()) return reportError(makeError(ErrorCode::Cancelled, "interrupted"));
        auto ids = (*tokenizer)->encode(input, !options.noSpecial);
        if (!ids) return reportError(ids.error());
        std::string line;
        for (size_t i = 0; i < ids->size(); ++i) {
            if (i > 0) line += ' ';
            line += std::to_string((*ids)[i]);
        }
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
    }
    std::fflush(stdout);
    return 0;
}

}  // namespace

void addTokenizeCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<TokenizeOptions>();
    auto* cmd = app.add_subcommand("tokenize", "Print the token ids of text, one line per input");
    cmd->add_option("--tokenizer,--tokenizer_path,--tokenizer-path", options->tokenizer,
                    "tokenizer.model or tokenizer.json file, or a model directory")
        ->required();
    // One value per --text: otherwise CLI11 reads a text in brackets ("[INST] hi [/INST]") as a list and drops them.
    auto* text = cmd->add_option("--text", options->texts, "Text to tokenize (repeat for several inputs)")
                     ->allow_extra_args(false);
    auto* file = cmd->add_option("--text_file,--text-file", options->textFile,
                                 "Tokenize this file's bytes as one input (see --split-on)");
    cmd->add_option("--split_on,--split-on", options->splitOn,
                    "Split each input at this separator (\\n, \\t, \\r, \\\\ understood), one output line each");
    cmd->add_flag("--no_special,--no-special", options->noSpecial, "Do not add BOS/EOS");
    cmd->callback([options, &exitCode, text, file] {
        // Checked here rather than with CLI11's excludes() so that usage errors keep exit code 2.
        if ((text->count() == 0) == (file->count() == 0)) {
            exitCode = reportError(
                makeError(ErrorCode::InvalidArgument, "tokenize needs exactly one of --text or --text-file"));
            return;
        }
        exitCode = run(*options);
    });
}

}  // namespace lathe::cli
