package io.agentbox.agent.permission;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A parser for the part of bash's grammar that permission rules need: it finds every simple command
 * a script contains, wherever it sits (lists, pipelines, subshells, groups, {@code if}/{@code while}/
 * {@code until}/{@code for}/{@code case} bodies, function bodies, command and process substitutions,
 * here-document bodies). It is deliberately strict: a construct whose effect it cannot follow
 * (arithmetic on variables, {@code [[ ]]}, array subscripts, indirect expansion, ...) makes the whole
 * script {@link Unanalysable} rather than being guessed at.
 */
final class ShellParser extends ShellLexer {
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

    ShellParser(String src, int depth, List<SimpleCommand> out) {
        super(src, depth, out);
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
        if (t.kind() != Kind.EOF) throw p.syntax("unexpected '" + describe(t) + "'");
        return out;
    }

    // ---- grammar ----

    /** A list of and-or lists separated by ; & or newlines; stops before a token that closes an enclosing construct. */
    void list() throws Unanalysable {
        enter();
        while (true) {
            skipNewlines();
            Token t = peek();
            if (t.kind() == Kind.EOF || closes(t)) break;
            andOr();
            t = peek();
            if (t.kind() == Kind.OP && (t.op().equals(";") || t.op().equals("&"))) {
                next();
            } else if (t.kind() == Kind.NEWLINE) {
                next();
            } else {
                break;
            }
        }
        nesting--;
    }

    private boolean closes(Token t) {
        if (t.kind() == Kind.OP) return t.op().equals(")") || t.op().startsWith(";;") || t.op().equals(";&");
        return t.kind() == Kind.WORD && t.word().isStatic() && !t.word().quoted() && CLOSERS.contains(t.word().text());
    }

    private void andOr() throws Unanalysable {
        pipeline();
        while (peek().kind() == Kind.OP && (peek().op().equals("&&") || peek().op().equals("||"))) {
            next();
            skipNewlines();
            pipeline();
        }
    }

    private void pipeline() throws Unanalysable {
        Token t = peek();
        if (t.kind() == Kind.WORD && t.word().plain("!")) {
            next();
            t = peek();
        }
        if (t.kind() == Kind.WORD && t.word().plain("time")) {
            next();
            if (peek().kind() == Kind.WORD && peek().word().plain("-p")) next();
        }
        command();
        while (peek().kind() == Kind.OP && (peek().op().equals("|") || peek().op().equals("|&"))) {
            next();
            skipNewlines();
            command();
        }
    }

    private void command() throws Unanalysable {
        Token t = peek();
        if (t.kind() == Kind.OP) {
            switch (t.op()) {
                case "(" -> {
                    next();
                    list();
                    expectOp(")");
                    redirections();
                    return;
                }
                case "((" -> throw new Unanalysable("uses an arithmetic command (( )), which the analysis does not follow");
                default -> throw syntax("unexpected '" + t.op() + "'");
            }
        }
        if (t.kind() == Kind.WORD && t.word().isStatic() && !t.word().quoted()) {
            switch (t.word().text()) {
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
                    if (name.kind() != Kind.WORD || !name.word().isStatic()) throw syntax("a function needs a name");
                    if (peek().kind() == Kind.OP && peek().op().equals("(")) {
                        next();
                        expectOp(")");
                    }
                    skipNewlines();
                    compoundBody();
                    return;
                }
                case "[[" -> throw new Unanalysable("uses [[ ]], which the analysis does not follow (use [ ] or test)");
                case "select", "coproc" -> throw new Unanalysable("uses '" + t.word().text() + "', which the analysis does not follow");
                default -> { }
            }
        }
        if (t.kind() == Kind.WORD && closes(t)) throw syntax("unexpected '" + t.word().text() + "'");
        simpleCommand();
    }

    /** The body of a function: a compound command. */
    private void compoundBody() throws Unanalysable {
        Token t = peek();
        boolean compound = t.kind() == Kind.OP && t.op().equals("(")
                || t.kind() == Kind.WORD && !t.word().quoted() && t.word().isStatic()
                && Set.of("{", "if", "while", "until", "for", "case").contains(t.word().text());
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
            if (t.kind() == Kind.WORD && t.word().plain("elif")) {
                next();
                list();
                expectWord("then");
                list();
            } else if (t.kind() == Kind.WORD && t.word().plain("else")) {
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
        if (peek().kind() == Kind.OP && peek().op().equals("((")) {
            throw new Unanalysable("uses an arithmetic for loop, which the analysis does not follow");
        }
        Token name = next();
        if (name.kind() != Kind.WORD || !name.word().isStatic() || !isName(name.word().text())) throw syntax("'for' needs a variable name");
        assigned(name.word().text());
        skipNewlines();
        if (peek().kind() == Kind.WORD && peek().word().plain("in")) {
            next();
            while (peek().kind() == Kind.WORD) next();
        }
        Token sep = peek();
        if (sep.kind() == Kind.OP && sep.op().equals(";") || sep.kind() == Kind.NEWLINE) next();
        skipNewlines();
        expectWord("do");
        list();
        expectWord("done");
        redirections();
    }

    private void caseClause() throws Unanalysable {
        next();
        if (next().kind() != Kind.WORD) throw syntax("'case' needs a word");
        skipNewlines();
        expectWord("in");
        while (true) {
            skipNewlines();
            Token t = peek();
            if (t.kind() == Kind.WORD && t.word().plain("esac")) {
                next();
                break;
            }
            if (t.kind() == Kind.OP && t.op().equals("(")) next();
            if (next().kind() != Kind.WORD) throw syntax("a case pattern is missing");
            while (peek().kind() == Kind.OP && peek().op().equals("|")) {
                next();
                if (next().kind() != Kind.WORD) throw syntax("a case pattern is missing");
            }
            expectOp(")");
            list();
            Token end = peek();
            if (end.kind() == Kind.OP && (end.op().startsWith(";;") || end.op().equals(";&"))) {
                next();
            } else if (!(end.kind() == Kind.WORD && end.word().plain("esac"))) {
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
            if (t.kind() == Kind.REDIR) {
                next();
                redirected = true;
            } else if (t.kind() == Kind.WORD) {
                next();
                if (words.isEmpty() && t.word().assignmentName().isPresent()) {
                    assignments.add(t.word());
                } else {
                    words.add(t.word());
                }
            } else if (t.kind() == Kind.OP && t.op().equals("(") && words.size() == 1 && assignments.isEmpty()) {
                // name() compound: a function definition; its body's commands are what can run
                next();
                expectOp(")");
                skipNewlines();
                compoundBody();
                return;
            } else if (t.kind() == Kind.OP && (t.op().equals("(") || t.op().equals("(("))) {
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
        while (peek().kind() == Kind.REDIR) next();
    }

    private void expectOp(String op) throws Unanalysable {
        Token t = next();
        if (t.kind() != Kind.OP || !t.op().equals(op)) throw syntax("expected '" + op + "' but found '" + describe(t) + "'");
    }

    private void expectWord(String w) throws Unanalysable {
        skipNewlines();
        Token t = next();
        if (t.kind() != Kind.WORD || !t.word().plain(w)) throw syntax("expected '" + w + "' but found '" + describe(t) + "'");
    }

    private void skipNewlines() throws Unanalysable {
        while (peek().kind() == Kind.NEWLINE) next();
    }

    @Override
    void nested(String close) throws Unanalysable {
        enter();
        Token saved = peeked;
        peeked = null;
        list();
        Token t = next();
        if (t.kind() != Kind.OP || !t.op().equals(close)) throw syntax("expected '" + close + "' but found '" + describe(t) + "'");
        peeked = saved;
        nesting--;
    }
}
