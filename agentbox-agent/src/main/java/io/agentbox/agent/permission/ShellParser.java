package io.agentbox.agent.permission;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parser for the part of bash's grammar that permission rules need: it finds every simple command
 * a script contains, wherever it sits (lists, pipelines, subshells, groups, {@code if}/{@code while}/
 * {@code until}/{@code for}/{@code case} bodies, function bodies, command and process substitutions,
 * here-document bodies). It is deliberately strict: a construct whose effect it cannot follow
 * (arithmetic on variables, {@code [[ ]]}, array subscripts, indirect expansion, ...) makes the whole
 * script {@link Unanalysable} rather than being guessed at.
 */
final class ShellParser {
    /** Nesting deeper than this is refused, so that hostile input cannot exhaust the stack. */
    private static final int MAX_DEPTH = 40;
    private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(\\[[^\\]]*\\])?\\+?=");
    private static final Pattern ARRAY_ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\[[^\\]]*\\])?\\+?=");
    private static final Set<String> CLOSERS = Set.of("}", "then", "elif", "else", "fi", "do", "done", "esac");

    /**
     * One word after parsing. {@code text} is the word after quote removal; it says what the word is
     * only when {@code isStatic}: a word with an expansion, a glob, a brace expansion or a tilde can
     * become anything (several words, or none) when bash runs it.
     */
    record Word(String text, boolean isStatic, boolean quoted, Optional<String> assignmentName) {
        /** An unquoted word without expansions: the only kind that can be a reserved word. */
        boolean plain(String s) {
            return isStatic && !quoted && text.equals(s);
        }
    }

    /** A simple command: its leading assignments and its words (the first names the program). */
    record SimpleCommand(List<Word> assignments, List<Word> words) {}

    /** Why a script is beyond the analysis. */
    static final class Unanalysable extends Exception {
        Unanalysable(String reason) {
            super(reason, null, false, false);
        }
    }

    private enum Kind { WORD, OP, REDIR, NEWLINE, EOF }

    private record Token(Kind kind, String op, Word word) {}

    private record HereDoc(String delimiter, boolean quoted, boolean stripTabs) {}

    private final String src;
    private final int depth;
    private final List<SimpleCommand> out;
    private final List<HereDoc> pendingHereDocs = new ArrayList<>();
    private int pos;
    private Token peeked;
    private int nesting;
    private int bracketScanEnd = -1;
    private boolean bracketScanFound;

    private ShellParser(String src, int depth, List<SimpleCommand> out) {
        this.src = src;
        this.depth = depth;
        this.out = out;
    }

    /** Every simple command of {@code script}, in no particular order. */
    static List<SimpleCommand> parse(String script) throws Unanalysable {
        return parse(script, 0);
    }

    static List<SimpleCommand> parse(String script, int depth) throws Unanalysable {
        if (depth > MAX_DEPTH) throw new Unanalysable("nests shells too deeply");
        List<SimpleCommand> out = new ArrayList<>();
        ShellParser p = new ShellParser(script, depth, out);
        p.list();
        Token t = p.peek();
        if (t.kind != Kind.EOF) throw p.syntax("unexpected '" + describe(t) + "'");
        return out;
    }

    // ---- grammar ----

    /** A list of and-or lists separated by ; & or newlines; stops before a token that closes an enclosing construct. */
    private void list() throws Unanalysable {
        enter();
        while (true) {
            skipNewlines();
            Token t = peek();
            if (t.kind == Kind.EOF || closes(t)) break;
            andOr();
            t = peek();
            if (t.kind == Kind.OP && (t.op.equals(";") || t.op.equals("&"))) {
                next();
            } else if (t.kind == Kind.NEWLINE) {
                next();
            } else {
                break;
            }
        }
        nesting--;
    }

    private boolean closes(Token t) {
        if (t.kind == Kind.OP) return t.op.equals(")") || t.op.startsWith(";;") || t.op.equals(";&");
        return t.kind == Kind.WORD && t.word.isStatic() && !t.word.quoted() && CLOSERS.contains(t.word.text());
    }

    private void andOr() throws Unanalysable {
        pipeline();
        while (peek().kind == Kind.OP && (peek().op.equals("&&") || peek().op.equals("||"))) {
            next();
            skipNewlines();
            pipeline();
        }
    }

    private void pipeline() throws Unanalysable {
        Token t = peek();
        if (t.kind == Kind.WORD && t.word.plain("!")) {
            next();
            t = peek();
        }
        if (t.kind == Kind.WORD && t.word.plain("time")) {
            next();
            if (peek().kind == Kind.WORD && peek().word.plain("-p")) next();
        }
        command();
        while (peek().kind == Kind.OP && (peek().op.equals("|") || peek().op.equals("|&"))) {
            next();
            skipNewlines();
            command();
        }
    }

    private void command() throws Unanalysable {
        Token t = peek();
        if (t.kind == Kind.OP) {
            switch (t.op) {
                case "(" -> {
                    next();
                    list();
                    expectOp(")");
                    redirections();
                    return;
                }
                case "((" -> throw new Unanalysable("uses an arithmetic command (( )), which the analysis does not follow");
                default -> throw syntax("unexpected '" + t.op + "'");
            }
        }
        if (t.kind == Kind.WORD && t.word.isStatic() && !t.word.quoted()) {
            switch (t.word.text()) {
                case "{" -> {
                    next();
                    list();
                    expectWord("}");
                    redirections();
                    return;
                }
                case "if" -> {
                    ifClause();
                    return;
                }
                case "while", "until" -> {
                    next();
                    list();
                    expectWord("do");
                    list();
                    expectWord("done");
                    redirections();
                    return;
                }
                case "for" -> {
                    forClause();
                    return;
                }
                case "case" -> {
                    caseClause();
                    return;
                }
                case "function" -> {
                    next();
                    Token name = next();
                    if (name.kind != Kind.WORD || !name.word.isStatic()) throw syntax("a function needs a name");
                    if (peek().kind == Kind.OP && peek().op.equals("(")) {
                        next();
                        expectOp(")");
                    }
                    skipNewlines();
                    compoundBody();
                    return;
                }
                case "[[" -> throw new Unanalysable("uses [[ ]], which the analysis does not follow (use [ ] or test)");
                case "select", "coproc" -> throw new Unanalysable("uses '" + t.word.text() + "', which the analysis does not follow");
                default -> { }
            }
        }
        if (t.kind == Kind.WORD && closes(t)) throw syntax("unexpected '" + t.word.text() + "'");
        simpleCommand();
    }

    /** The body of a function: a compound command. */
    private void compoundBody() throws Unanalysable {
        Token t = peek();
        boolean compound = t.kind == Kind.OP && t.op.equals("(")
                || t.kind == Kind.WORD && !t.word.quoted() && t.word.isStatic()
                && Set.of("{", "if", "while", "until", "for", "case").contains(t.word.text());
        if (!compound) throw syntax("a function body must be a compound command");
        command();
    }

    private void ifClause() throws Unanalysable {
        next();
        list();
        expectWord("then");
        list();
        while (true) {
            Token t = peek();
            if (t.kind == Kind.WORD && t.word.plain("elif")) {
                next();
                list();
                expectWord("then");
                list();
            } else if (t.kind == Kind.WORD && t.word.plain("else")) {
                next();
                list();
            } else {
                break;
            }
        }
        expectWord("fi");
        redirections();
    }

    private void forClause() throws Unanalysable {
        next();
        if (peek().kind == Kind.OP && peek().op.equals("((")) {
            throw new Unanalysable("uses an arithmetic for loop, which the analysis does not follow");
        }
        Token name = next();
        if (name.kind != Kind.WORD || !name.word.isStatic() || !isName(name.word.text())) throw syntax("'for' needs a variable name");
        assigned(name.word.text());
        skipNewlines();
        if (peek().kind == Kind.WORD && peek().word.plain("in")) {
            next();
            while (peek().kind == Kind.WORD) next();
        }
        Token sep = peek();
        if (sep.kind == Kind.OP && sep.op.equals(";") || sep.kind == Kind.NEWLINE) next();
        skipNewlines();
        expectWord("do");
        list();
        expectWord("done");
        redirections();
    }

    private void caseClause() throws Unanalysable {
        next();
        if (next().kind != Kind.WORD) throw syntax("'case' needs a word");
        skipNewlines();
        expectWord("in");
        while (true) {
            skipNewlines();
            Token t = peek();
            if (t.kind == Kind.WORD && t.word.plain("esac")) {
                next();
                break;
            }
            if (t.kind == Kind.OP && t.op.equals("(")) next();
            if (next().kind != Kind.WORD) throw syntax("a case pattern is missing");
            while (peek().kind == Kind.OP && peek().op.equals("|")) {
                next();
                if (next().kind != Kind.WORD) throw syntax("a case pattern is missing");
            }
            expectOp(")");
            list();
            Token end = peek();
            if (end.kind == Kind.OP && (end.op.startsWith(";;") || end.op.equals(";&"))) {
                next();
            } else if (!(end.kind == Kind.WORD && end.word.plain("esac"))) {
                throw syntax("unexpected '" + describe(end) + "' in case");
            }
        }
        redirections();
    }

    private void simpleCommand() throws Unanalysable {
        List<Word> assignments = new ArrayList<>();
        List<Word> words = new ArrayList<>();
        boolean redirected = false;
        while (true) {
            Token t = peek();
            if (t.kind == Kind.REDIR) {
                next();
                redirected = true;
            } else if (t.kind == Kind.WORD) {
                next();
                if (words.isEmpty() && t.word.assignmentName().isPresent()) {
                    assignments.add(t.word);
                } else {
                    words.add(t.word);
                }
            } else if (t.kind == Kind.OP && t.op.equals("(") && words.size() == 1 && assignments.isEmpty()) {
                // name() compound: a function definition; its body's commands are what can run
                next();
                expectOp(")");
                skipNewlines();
                compoundBody();
                return;
            } else if (t.kind == Kind.OP && (t.op.equals("(") || t.op.equals("(("))) {
                throw syntax("unexpected '('");
            } else {
                break;
            }
        }
        if (assignments.isEmpty() && words.isEmpty()) {
            if (!redirected) throw syntax("a command is missing");
            return;
        }
        out.add(new SimpleCommand(List.copyOf(assignments), List.copyOf(words)));
    }

    private void redirections() throws Unanalysable {
        while (peek().kind == Kind.REDIR) next();
    }

    private void expectOp(String op) throws Unanalysable {
        Token t = next();
        if (t.kind != Kind.OP || !t.op.equals(op)) throw syntax("expected '" + op + "' but found '" + describe(t) + "'");
    }

    private void expectWord(String w) throws Unanalysable {
        skipNewlines();
        Token t = next();
        if (t.kind != Kind.WORD || !t.word.plain(w)) throw syntax("expected '" + w + "' but found '" + describe(t) + "'");
    }

    private void skipNewlines() throws Unanalysable {
        while (peek().kind == Kind.NEWLINE) next();
    }

    private void enter() throws Unanalysable {
        if (++nesting + depth > MAX_DEPTH) throw new Unanalysable("nests too deeply");
    }

    // ---- tokens ----

    private Token peek() throws Unanalysable {
        if (peeked == null) peeked = lex();
        return peeked;
    }

    private Token next() throws Unanalysable {
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
                String cmp = doc.stripTabs ? line.replaceFirst("^\t+", "") : line;
                if (cmp.equals(doc.delimiter)) break;
                body.append(line).append('\n');
            }
            // an unquoted delimiter means the body is expanded: its command substitutions run
            if (!doc.quoted) {
                ShellParser inner = new ShellParser(body.toString(), depth + nesting + 1, out);
                inner.hereDocBody();
            }
        }
    }

    private void hereDocBody() throws Unanalysable {
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

    private void skipBlanks() {
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

    private static boolean isMeta(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')'
                || c == '<' || c == '>';
    }

    /**
     * Reads one word. {@code literalDelimiter}: a here-document delimiter, where nothing expands.
     */
    private Word word(boolean literalDelimiter) throws Unanalysable {
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

    /** The inside of "...", from after the opening quote to after the closing one. */
    private void doubleQuoted(StringBuilder text, boolean[] dynamic) throws Unanalysable {
        while (true) {
            if (pos >= src.length()) throw syntax("unterminated double quote");
            char c = src.charAt(pos);
            if (c == '"') {
                pos++;
                return;
            }
            if (c == '\\' && pos + 1 < src.length()) {
                char n = src.charAt(pos + 1);
                if (n == '\n') {
                    pos += 2;
                } else if (n == '$' || n == '`' || n == '"' || n == '\\') {
                    text.append(n);
                    pos += 2;
                } else {
                    text.append(c);
                    pos++;
                }
            } else if (c == '$') {
                dollar(text, dynamic);
            } else if (c == '`') {
                backtick();
                dynamic[0] = true;
            } else {
                text.append(c);
                pos++;
            }
        }
    }

    /** $'...': ANSI-C quoting, decoded so that $'\x72m' is seen as rm. */
    private void ansiC(StringBuilder text) throws Unanalysable {
        while (true) {
            if (pos >= src.length()) throw syntax("unterminated $'...'");
            char c = src.charAt(pos++);
            if (c == '\'') return;
            if (c != '\\') {
                text.append(c);
                continue;
            }
            if (pos >= src.length()) throw syntax("unterminated $'...'");
            char e = src.charAt(pos++);
            switch (e) {
                case 'a' -> text.append('\u0007');
                case 'b' -> text.append('\b');
                case 'e', 'E' -> text.append('\u001b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'v' -> text.append('\u000b');
                case '\\', '\'', '"', '?' -> text.append(e);
                case 'x' -> text.appendCodePoint(number(16, 2, 0));
                case 'u' -> text.appendCodePoint(number(16, 4, 0));
                case 'U' -> text.appendCodePoint(number(16, 8, 0));
                case 'c' -> {
                    if (pos >= src.length()) throw syntax("unterminated $'...'");
                    text.append((char) (src.charAt(pos++) & 0x1f));
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        pos--;
                        text.append((char) (number(8, 3, 1) & 0xff));
                    } else {
                        text.append('\\').append(e);
                    }
                }
            }
        }
    }

    private int number(int radix, int maxDigits, int minDigits) throws Unanalysable {
        int v = 0;
        int n = 0;
        while (n < maxDigits && pos < src.length() && Character.digit(src.charAt(pos), radix) >= 0) {
            v = v * radix + Character.digit(src.charAt(pos++), radix);
            n++;
        }
        if (n < Math.max(1, minDigits)) throw new Unanalysable("uses an escape in $'...' that the analysis does not decode");
        if (v > Character.MAX_CODE_POINT || v == 0) throw new Unanalysable("uses an escape in $'...' that the analysis does not decode");
        return v;
    }

    /** An expansion starting with $ (pos at the $). Anything but a lone $ makes the word dynamic. */
    private void dollar(StringBuilder text, boolean[] dynamic) throws Unanalysable {
        if (startsWith("$((")) {
            arithmetic(pos + 3);
            dynamic[0] = true;
            return;
        }
        if (startsWith("$(")) {
            pos += 2;
            nested(")");
            dynamic[0] = true;
            return;
        }
        if (startsWith("$[")) throw new Unanalysable("uses $[ ] arithmetic, which the analysis does not follow");
        if (startsWith("${")) {
            pos += 2;
            parameter();
            dynamic[0] = true;
            return;
        }
        if (pos + 1 < src.length()) {
            char n = src.charAt(pos + 1);
            if (isNameStart(n)) {
                pos++;
                while (pos < src.length() && isNameChar(src.charAt(pos))) pos++;
                dynamic[0] = true;
                return;
            }
            if (Character.isDigit(n) || "@*#?-$!".indexOf(n) >= 0) {
                pos += 2;
                dynamic[0] = true;
                return;
            }
        }
        text.append('$');
        pos++;
    }

    /** $(( )): only plain numbers and operators; a name there is evaluated recursively, and can run commands. */
    private void arithmetic(int from) throws Unanalysable {
        int depthParen = 0;
        int i = from;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '(') {
                depthParen++;
            } else if (c == ')') {
                if (depthParen == 0) {
                    if (i + 1 < src.length() && src.charAt(i + 1) == ')') {
                        String expr = src.substring(from, i);
                        if (!expr.matches("[0-9\\s+\\-*/%<>=!&|^~?:,()]*")) {
                            throw new Unanalysable("uses arithmetic on names or expansions, which the analysis does not follow");
                        }
                        pos = i + 2;
                        return;
                    }
                    break;
                }
                depthParen--;
            }
            i++;
        }
        throw new Unanalysable("uses a $(( form the analysis does not follow");
    }

    /** ${...} from after the brace: only forms without hidden evaluation. */
    private void parameter() throws Unanalysable {
        enter();
        parameterBody();
        nesting--;
    }

    private void parameterBody() throws Unanalysable {
        if (startsWith("!")) throw new Unanalysable("uses indirect expansion ${!...}, which the analysis does not follow");
        if (startsWith("#}")) {
            pos += 2;
            return;
        }
        if (startsWith("#")) pos++;
        int nameStart = pos;
        if (pos < src.length() && isNameStart(src.charAt(pos))) {
            while (pos < src.length() && isNameChar(src.charAt(pos))) pos++;
        } else if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
        } else if (pos < src.length() && "@*#?-$!".indexOf(src.charAt(pos)) >= 0) {
            pos++;
        }
        if (pos == nameStart) throw syntax("bad ${} substitution");
        if (startsWith("[")) {
            int close = src.indexOf(']', pos);
            if (close < 0 || !src.substring(pos + 1, close).matches("[0-9]+|@|\\*")) {
                throw new Unanalysable("uses an array subscript that is evaluated, which the analysis does not follow");
            }
            pos = close + 1;
        }
        if (startsWith("}")) {
            pos++;
            return;
        }
        if (startsWith("@")) throw new Unanalysable("uses a ${...@...} transformation, which the analysis does not follow");
        if (startsWith(":") && !(startsWith(":-") || startsWith(":=") || startsWith(":?") || startsWith(":+"))) {
            int close = src.indexOf('}', pos);
            if (close < 0 || !src.substring(pos + 1, close).matches("[0-9 :-]*")) {
                throw new Unanalysable("uses a substring with a computed offset, which the analysis does not follow");
            }
            pos = close + 1;
            return;
        }
        String[] ops = {":-", ":=", ":?", ":+", "-", "=", "?", "+", "##", "#", "%%", "%", "//", "/#", "/%", "/", "^^", "^", ",,", ","};
        boolean found = false;
        for (String op : ops) {
            if (startsWith(op)) {
                // ${NAME:=word} assigns NAME, as NAME=word would
                if (op.endsWith("=") && isName(src.substring(nameStart, pos))) assigned(src.substring(nameStart, pos));
                pos += op.length();
                found = true;
                break;
            }
        }
        if (!found) throw syntax("bad ${} substitution");
        // the operand: a word that may itself hold quotes and expansions, up to the closing brace
        boolean[] ignored = new boolean[1];
        StringBuilder sink = new StringBuilder();
        while (true) {
            if (pos >= src.length()) throw syntax("unterminated ${");
            char c = src.charAt(pos);
            if (c == '}') {
                pos++;
                return;
            }
            switch (c) {
                case '\\' -> pos = Math.min(src.length(), pos + 2);
                case '\'' -> {
                    int close = src.indexOf('\'', pos + 1);
                    if (close < 0) throw syntax("unterminated single quote");
                    pos = close + 1;
                }
                case '"' -> {
                    pos++;
                    doubleQuoted(sink, ignored);
                }
                case '$' -> dollar(sink, ignored);
                case '`' -> backtick();
                default -> pos++;
            }
        }
    }

    /** $( ... ) or <( ... ) from after the opening: the commands inside are parsed into the same result. */
    private void nested(String close) throws Unanalysable {
        enter();
        Token saved = peeked;
        peeked = null;
        list();
        Token t = next();
        if (t.kind != Kind.OP || !t.op.equals(close)) throw syntax("expected '" + close + "' but found '" + describe(t) + "'");
        peeked = saved;
        nesting--;
    }

    /** `...`: the inside, unescaped as bash does, is parsed as a script of its own. */
    private void backtick() throws Unanalysable {
        pos++;
        StringBuilder inner = new StringBuilder();
        while (true) {
            if (pos >= src.length()) throw syntax("unterminated backquote");
            char c = src.charAt(pos);
            if (c == '`') {
                pos++;
                break;
            }
            if (c == '\\' && pos + 1 < src.length() && "$`\\".indexOf(src.charAt(pos + 1)) >= 0) {
                inner.append(src.charAt(pos + 1));
                pos += 2;
            } else {
                inner.append(c);
                pos++;
            }
        }
        if (depth + nesting + 1 > MAX_DEPTH) throw new Unanalysable("nests too deeply");
        ShellParser p = new ShellParser(inner.toString(), depth + nesting + 1, out);
        p.list();
        if (p.peek().kind != Kind.EOF) throw p.syntax("unexpected '" + describe(p.peek()) + "'");
    }

    // ---- helpers ----

    /** A variable set other than by NAME=value (a for loop, ${NAME:=...}): recorded as an assignment. */
    private void assigned(String name) {
        out.add(new SimpleCommand(List.of(new Word(name, true, false, Optional.of(name))), List.of()));
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

    private boolean startsWith(String s) {
        return src.startsWith(s, pos);
    }

    private Unanalysable syntax(String what) {
        return new Unanalysable("cannot be parsed: " + what);
    }

    private static String describe(Token t) {
        return switch (t.kind) {
            case EOF -> "end of input";
            case NEWLINE -> "newline";
            case WORD -> t.word.text();
            default -> t.op;
        };
    }

    static boolean isName(String s) {
        if (s.isEmpty() || !isNameStart(s.charAt(0))) return false;
        for (int i = 1; i < s.length(); i++) if (!isNameChar(s.charAt(i))) return false;
        return true;
    }

    private static boolean isNameStart(char c) {
        return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean isNameChar(char c) {
        return isNameStart(c) || c >= '0' && c <= '9';
    }
}
