package io.agentbox.agent.permission;

import io.agentbox.agent.permission.ShellParser.SimpleCommand;
import io.agentbox.agent.permission.ShellParser.Unanalysable;
import io.agentbox.agent.permission.ShellParser.Word;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The tokens of {@link ShellParser}'s input: words (with quote removal, and whether bash could turn
 * them into something else), operators, redirections, newlines, and the here-document bodies that
 * follow a line.
 */
abstract sealed class ShellLexer extends ShellExpansions permits ShellParser {
    private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(\\[[^\\]]*\\])?\\+?=");
    private static final Pattern ARRAY_ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\[[^\\]]*\\])?\\+?=");

    enum Kind { WORD, OP, REDIR, NEWLINE, EOF }

    record Token(Kind kind, String op, Word word) {}

    private record HereDoc(String delimiter, boolean quoted, boolean stripTabs) {}

    private final List<HereDoc> pendingHereDocs = new ArrayList<>();
    Token peeked;
    private int bracketScanEnd = -1;
    private boolean bracketScanFound;

    ShellLexer(String src, int depth, List<SimpleCommand> out) {
        super(src, depth, out);
    }

    // ---- tokens ----

    Token peek() throws Unanalysable {
        if (peeked == null) peeked = lex();
        return peeked;
    }

    Token next() throws Unanalysable {
        Token t = peek();
        peeked = null;
        return t;
    }

    private Token lex() throws Unanalysable {
        skipBlanks();
        if (pos >= src.length()) return new Token(Kind.EOF, "", null);
        char c = src.charAt(pos);
        if (c == '\n') {
            pos++;
            readHereDocBodies();
            return new Token(Kind.NEWLINE, "\n", null);
        }
        if (c == '#') {
            while (pos < src.length() && src.charAt(pos) != '\n') pos++;
            return lex();
        }
        // a redirection: [n|{name}] followed by < or >, except the start of a process substitution
        int start = pos;
        int p = pos;
        while (p < src.length() && Character.isDigit(src.charAt(p))) p++;
        if (p == pos && c == '{') {
            int close = src.indexOf('}', p);
            if (close > p + 1 && close - p < 80 && isName(src.substring(p + 1, close)) && close + 1 < src.length()
                    && (src.charAt(close + 1) == '<' || src.charAt(close + 1) == '>')) {
                p = close + 1;
            }
        }
        if (p < src.length() && (src.charAt(p) == '<' || src.charAt(p) == '>')
                && !(p == start && p + 1 < src.length() && src.charAt(p + 1) == '(')) {
            pos = p;
            return redirection();
        }
        if (c == '&' && startsWith("&>")) return redirection();
        String[] ops = {";;&", ";;", ";&", "&&", "||", "|&", "((", ";", "&", "|", "(", ")"};
        for (String op : ops) {
            if (startsWith(op)) {
                pos += op.length();
                return new Token(Kind.OP, op, null);
            }
        }
        return new Token(Kind.WORD, "", word(false));
    }

    private Token redirection() throws Unanalysable {
        String[] ops = {"<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "&>>", "&>", "<", ">"};
        String op = null;
        for (String o : ops) {
            if (startsWith(o)) {
                op = o;
                break;
            }
        }
        if (op == null) throw syntax("bad redirection");
        pos += op.length();
        skipBlanks();
        if (pos >= src.length() || isMeta(src.charAt(pos))) throw syntax("a redirection needs a target");
        if (op.equals("<<") || op.equals("<<-")) {
            int before = pos;
            Word delim = word(true);
            boolean quoted = src.substring(before, pos).matches("(?s).*['\"\\\\].*");
            pendingHereDocs.add(new HereDoc(delim.text(), quoted, op.equals("<<-")));
        } else {
            word(false);
        }
        return new Token(Kind.REDIR, op, null);
    }

    /** Reads the bodies of the here-documents whose redirections ended the line just read. */
    private void readHereDocBodies() throws Unanalysable {
        List<HereDoc> docs = List.copyOf(pendingHereDocs);
        pendingHereDocs.clear();
        for (HereDoc doc : docs) {
            StringBuilder body = new StringBuilder();
            while (pos < src.length()) {
                int eol = src.indexOf('\n', pos);
                String line = eol < 0 ? src.substring(pos) : src.substring(pos, eol);
                pos = eol < 0 ? src.length() : eol + 1;
                String cmp = doc.stripTabs() ? line.replaceFirst("^\t+", "") : line;
                if (cmp.equals(doc.delimiter())) break;
                body.append(line).append('\n');
            }
            // an unquoted delimiter means the body is expanded: its command substitutions run
            if (!doc.quoted()) {
                ShellParser inner = new ShellParser(body.toString(), depth + nesting + 1, out);
                inner.hereDocBody();
            }
        }
    }

    void hereDocBody() throws Unanalysable {
        StringBuilder sink = new StringBuilder();
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\\' && pos + 1 < src.length()) {
                sink.append(src.charAt(pos + 1));
                pos += 2;
            } else if (c == '$') {
                dollar(sink, new boolean[1]);
            } else if (c == '`') {
                backtick();
            } else {
                sink.append(c);
                pos++;
            }
        }
    }

    void skipBlanks() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '\\' && pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
                pos += 2;
            } else {
                break;
            }
        }
    }

    static boolean isMeta(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')'
                || c == '<' || c == '>';
    }

    /**
     * Reads one word. {@code literalDelimiter}: a here-document delimiter, where nothing expands.
     */
    Word word(boolean literalDelimiter) throws Unanalysable {
        StringBuilder text = new StringBuilder();
        boolean[] dynamic = {false};
        boolean quoted = false;
        int start = pos;
        int braceState = 0; // 1: unquoted { seen, 2: then , or .. seen
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if ((c == '<' || c == '>') && pos + 1 < src.length() && src.charAt(pos + 1) == '(' && !literalDelimiter) {
                // process substitution: its commands run
                pos += 2;
                nested(")");
                dynamic[0] = true;
                continue;
            }
            if (c == '(' && ARRAY_ASSIGNMENT.matcher(src.substring(start, pos)).matches()) {
                throw new Unanalysable("uses an array assignment, which the analysis does not follow");
            }
            if (isMeta(c)) break;
            if (literalDelimiter) {
                if (c == '\'' || c == '"') {
                    int close = src.indexOf(c, pos + 1);
                    if (close < 0) throw syntax("unterminated quote");
                    text.append(src, pos + 1, close);
                    pos = close + 1;
                } else if (c == '\\' && pos + 1 < src.length()) {
                    text.append(src.charAt(pos + 1));
                    pos += 2;
                } else {
                    text.append(c);
                    pos++;
                }
                continue;
            }
            switch (c) {
                case '\\' -> {
                    if (pos + 1 >= src.length()) {
                        pos++;
                    } else if (src.charAt(pos + 1) == '\n') {
                        pos += 2;
                    } else {
                        text.append(src.charAt(pos + 1));
                        quoted = true;
                        pos += 2;
                    }
                }
                case '\'' -> {
                    int close = src.indexOf('\'', pos + 1);
                    if (close < 0) throw syntax("unterminated single quote");
                    text.append(src, pos + 1, close);
                    quoted = true;
                    pos = close + 1;
                }
                case '"' -> {
                    pos++;
                    doubleQuoted(text, dynamic);
                    quoted = true;
                }
                case '$' -> {
                    if (startsWith("$'")) {
                        pos += 2;
                        ansiC(text);
                        quoted = true;
                    } else if (startsWith("$\"")) {
                        pos += 2;
                        doubleQuoted(text, dynamic);
                        quoted = true;
                    } else {
                        dollar(text, dynamic);
                    }
                }
                case '`' -> {
                    backtick();
                    dynamic[0] = true;
                }
                case '*', '?', '[' -> {
                    // a glob: the word becomes whatever file names match ([ only with a ] after it)
                    if (c != '[' || closesBracket(pos + 1)) dynamic[0] = true;
                    text.append(c);
                    pos++;
                }
                case '~' -> {
                    if (pos == start) dynamic[0] = true;
                    text.append(c);
                    pos++;
                }
                case '{' -> {
                    if (braceState == 0) braceState = 1;
                    text.append(c);
                    pos++;
                }
                case ',' -> {
                    if (braceState == 1) braceState = 2;
                    text.append(c);
                    pos++;
                }
                case '.' -> {
                    if (braceState == 1 && startsWith("..")) braceState = 2;
                    text.append(c);
                    pos++;
                }
                case '}' -> {
                    // {a,b} and {1..3} are brace expansions: one word becomes several
                    if (braceState == 2) dynamic[0] = true;
                    text.append(c);
                    pos++;
                }
                default -> {
                    text.append(c);
                    pos++;
                }
            }
        }
        if (pos == start) throw syntax("unexpected '" + (pos < src.length() ? src.charAt(pos) : "end") + "'");
        Optional<String> assignment = Optional.empty();
        var m = ASSIGNMENT.matcher(src.substring(start, pos));
        if (m.lookingAt()) {
            if (m.group(2) != null && !m.group(2).matches("\\[[0-9]+]")) {
                throw new Unanalysable("assigns to an array element with a computed subscript, which the analysis does not follow");
            }
            assignment = Optional.of(m.group(1));
        }
        return new Word(text.toString(), !dynamic[0], quoted, assignment);
    }

    /** Whether a ] follows before the word ends; remembered, so that a word of many [ stays linear. */
    private boolean closesBracket(int from) {
        if (from <= bracketScanEnd) return bracketScanFound;
        int i = from;
        // quoted text belongs to the word: [m' '] is a bracket expression
        while (i < src.length() && !isMeta(src.charAt(i)) && src.charAt(i) != ']') {
            char c = src.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '\'' || c == '"') {
                int close = src.indexOf(c, i + 1);
                i = close < 0 ? src.length() : close + 1;
            } else {
                i++;
            }
        }
        bracketScanFound = i < src.length() && src.charAt(i) == ']';
        bracketScanEnd = i;
        return bracketScanFound;
    }

    static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of input";
            case NEWLINE -> "newline";
            case WORD -> t.word().text();
            default -> t.op();
        };
    }
}
