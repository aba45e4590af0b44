package io.agentbox.agent.permission;

import io.agentbox.agent.permission.ShellParser.SimpleCommand;
import io.agentbox.agent.permission.ShellParser.Unanalysable;
import io.agentbox.agent.permission.ShellParser.Word;

import java.util.List;
import java.util.Optional;

/**
 * The expansions and quotes of {@link ShellParser}'s input ({@code $...}, {@code ${...}}, {@code $(( ))},
 * backquotes, {@code "..."}, {@code $'...'}): each is read so that the commands it runs are found and the
 * forms whose effect cannot be followed make the script {@link Unanalysable}. The three classes share one
 * cursor over the source, since bash's words, tokens and grammar interleave (a {@code $(} inside a word
 * starts a whole list).
 */
abstract sealed class ShellExpansions permits ShellLexer {
    /** Nesting deeper than this is refused, so that hostile input cannot exhaust the stack. */
    static final int MAX_DEPTH = 40;

    final String src;
    final int depth;
    final List<ShellParser.SimpleCommand> out;
    int pos;
    int nesting;

    ShellExpansions(String src, int depth, List<ShellParser.SimpleCommand> out) {
        this.src = src;
        this.depth = depth;
        this.out = out;
    }

    /** $( ... ) or <( ... ) from after the opening: the commands inside are parsed into the same result. */
    abstract void nested(String close) throws Unanalysable;

    void enter() throws Unanalysable {
        if (++nesting + depth > MAX_DEPTH) throw new Unanalysable("nests too deeply");
    }

    /** The inside of "...", from after the opening quote to after the closing one. */
    void doubleQuoted(StringBuilder text, boolean[] dynamic) throws Unanalysable {
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
    void ansiC(StringBuilder text) throws Unanalysable {
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

    int number(int radix, int maxDigits, int minDigits) throws Unanalysable {
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
    void dollar(StringBuilder text, boolean[] dynamic) throws Unanalysable {
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
    void arithmetic(int from) throws Unanalysable {
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
    void parameter() throws Unanalysable {
        enter();
        parameterBody();
        nesting--;
    }

    void parameterBody() throws Unanalysable {
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

    /** `...`: the inside, unescaped as bash does, is parsed as a script of its own. */
    void backtick() throws Unanalysable {
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
        if (p.peek().kind() != ShellLexer.Kind.EOF) throw p.syntax("unexpected '" + ShellLexer.describe(p.peek()) + "'");
    }

    // ---- helpers ----

    /** A variable set other than by NAME=value (a for loop, ${NAME:=...}): recorded as an assignment. */
    void assigned(String name) {
        out.add(new SimpleCommand(List.of(new Word(name, true, false, Optional.of(name))), List.of()));
    }

    boolean startsWith(String s) {
        return src.startsWith(s, pos);
    }

    Unanalysable syntax(String what) {
        return new Unanalysable("cannot be parsed: " + what);
    }

    static boolean isName(String s) {
        if (s.isEmpty() || !isNameStart(s.charAt(0))) return false;
        for (int i = 1; i < s.length(); i++) if (!isNameChar(s.charAt(i))) return false;
        return true;
    }

    static boolean isNameStart(char c) {
        return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    static boolean isNameChar(char c) {
        return isNameStart(c) || c >= '0' && c <= '9';
    }
}
