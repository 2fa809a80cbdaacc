// The tokenizer.json derived from a sentencepiece BPE vocabulary: merges as SentencePieceExtractor makes them (every
// split into two pieces, ranked by the merged piece's score, splits at code points), and a damaged vocabulary is an
// error, never an exception. transformers.js against Lathe on a real model: TestOnnxExportPeer.
#include "deploy/SpmTokenizerJson.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace lathe;

namespace {

model::EmbeddedVocabulary tiny()
{
    model::EmbeddedVocabulary v;
    v.model = "llama";
    // ids 0..2 specials; "▁a" (two code points, four bytes) splits only as "▁" + "a", "ab" as "a" + "b".
    v.tokens = {"<unk>", "<s>", "</s>", "a", "b", "\u2581", "\u2581a", "ab"};
    v.scores = {0, 0, 0, -1, -2, -3, -4.5f, -4};
    v.types = {2, 3, 3, 1, 1, 1, 1, 1};
    v.spmModelType = 2;
    return v;
}

}  // namespace

class TestSpmTokenizerJson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mergesFollowTheMergedPiecesScore()
    {
        auto json = deploy::sentencepieceTokenizerJson(tiny(), 2, true, false, "tiny");
        QVERIFY2(json.ok(), json.ok() ? "" : json.error().message.c_str());
        const auto j = nlohmann::json::parse(*json);
        // "ab" scores -4, "▁a" -4.5: ab's merge ranks first.
        QCOMPARE(j["model"]["merges"].dump(), std::string(R"([["a","b"],["▁","a"]])"));
        QCOMPARE(j["model"]["vocab"]["\u2581a"].get<int>(), 6);
        QCOMPARE(j["post_processor"]["single"].dump(),
                 std::string(R"([{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}])"));
        QCOMPARE(j["added_tokens"].size(), size_t(3));
    }

    void unigramAndDamagedVocabulariesAreErrors()
    {
        auto unigram = deploy::sentencepieceTokenizerJson(tiny(), 1, true, false, "tiny");
        QVERIFY(!unigram.ok());
        QCOMPARE(unigram.error().code, ErrorCode::Unsupported);
        model::EmbeddedVocabulary bad = tiny();
        bad.tokens[3] = "\xff\xfe";  // not UTF-8
        auto damaged = deploy::sentencepieceTokenizerJson(bad, 2, true, false, "tiny");
        QVERIFY(!damaged.ok());
        QCOMPARE(damaged.error().code, ErrorCode::Corrupt);
        bad = tiny();
        bad.bosId = 99;  // outside the vocabulary
        damaged = deploy::sentencepieceTokenizerJson(bad, 2, true, false, "tiny");
        QVERIFY(!damaged.ok());
        QCOMPARE(damaged.error().code, ErrorCode::Corrupt);
    }
};

QTEST_GUILESS_MAIN(TestSpmTokenizerJson)
#include "TestSpmTokenizerJson.moc"
