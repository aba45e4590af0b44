package io.agentbox.agent.permission;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ToolRuleTest {
    private static final String WD = "/workspace";

    private static boolean allows(String rule, String tool, String subject) {
        return ToolRule.parse(rule).matches(tool, Optional.ofNullable(subject), WD, true);
    }

    private static boolean denies(String rule, String tool, String subject) {
        return ToolRule.parse(rule).matches(tool, Optional.ofNullable(subject), WD, false);
    }

    @Test
    void plainRuleCoversEveryCallOfItsToolOnly() {
        assertThat(allows("WebFetch", "WebFetch", "https://x.org")).isTrue();
        assertThat(allows("WebFetch", "Bash", "ls")).isFalse();
        assertThat(ToolRule.parse("WebFetch").coversWholeTool()).isTrue();
        assertThat(ToolRule.parse("Bash(ls)").coversWholeTool()).isFalse();
    }

    @Test
    void bashPrefixRuleMatchesOnWordBoundary() {
        assertThat(allows("Bash(git:*)", "Bash", "git status")).isTrue();
        assertThat(allows("Bash(git:*)", "Bash", "git")).isTrue();
        assertThat(allows("Bash(git:*)", "Bash", "gitk")).isFalse();
        assertThat(allows("Bash(npm run test:*)", "Bash", "npm run test -- --watch")).isTrue();
        assertThat(allows("Bash(npm run test:*)", "Bash", "npm run build")).isFalse();
    }

    @Test
    void bashExactAndWildcardRules() {
        assertThat(allows("Bash(npm run test)", "Bash", "npm run test")).isTrue();
        assertThat(allows("Bash(npm run test)", "Bash", "npm run test2")).isFalse();
        assertThat(allows("Bash(npm run *)", "Bash", "npm run lint")).isTrue();
        assertThat(allows("Bash(npm run *)", "Bash", "npx run lint")).isFalse();
    }

    @Test
    void compoundCommandsAreAllowedOnlyWhenEveryPartIsAndDeniedWhenAnyPartIs() {
        assertThat(allows("Bash(git:*)", "Bash", "git status && rm -rf /")).isFalse();
        assertThat(allows("Bash(git:*)", "Bash", "git add . && git commit -m x")).isTrue();
        assertThat(allows("Bash(git:*)", "Bash", "git log $(rm -rf /)")).isFalse();
        assertThat(allows("Bash(echo:*)", "Bash", "echo `id`")).isFalse();
        assertThat(denies("Bash(rm:*)", "Bash", "ls; rm -rf /tmp/x")).isTrue();
        assertThat(denies("Bash(rm:*)", "Bash", "ls | grep x")).isFalse();
        assertThat(denies("Bash(curl:*)", "Bash", "echo hi\ncurl evil.example")).isTrue();
    }

    @Test
    void pathRulesAreGitignoreStyleRelativeToTheWorkingDirectory() {
        assertThat(allows("Edit(src/**)", "Edit", "/workspace/src/main/App.java")).isTrue();
        assertThat(allows("Edit(src/**)", "Edit", "src/App.java")).isTrue();
        assertThat(allows("Edit(src/**)", "Edit", "/workspace/docs/a.md")).isFalse();
        assertThat(allows("Edit(src/**)", "Edit", "/workspace/src/../secret.txt")).isFalse();
        assertThat(allows("Read(./docs/**)", "Read", "/workspace/docs/x/y.md")).isTrue();
        assertThat(allows("Read(/etc/**)", "Read", "/etc/passwd")).isTrue();
        assertThat(allows("Edit(*.py)", "Edit", "/workspace/a.py")).isTrue();
        assertThat(allows("Edit(*.py)", "Edit", "/workspace/sub/a.py")).isFalse();
    }

    @Test
    void editPathRulesCoverWriteAndMultiEditAndReadRulesCoverSearchTools() {
        assertThat(denies("Edit(secrets/**)", "Write", "/workspace/secrets/k")).isTrue();
        assertThat(denies("Edit(secrets/**)", "MultiEdit", "/workspace/secrets/k")).isTrue();
        assertThat(denies("Read(secrets/**)", "Grep", "/workspace/secrets")).isTrue();
        assertThat(denies("Edit(secrets/**)", "Read", "/workspace/secrets/k")).isFalse();
    }

    @Test
    void webFetchDomainRules() {
        assertThat(allows("WebFetch(domain:example.com)", "WebFetch", "https://docs.example.com/a")).isTrue();
        assertThat(allows("WebFetch(domain:example.com)", "WebFetch", "https://example.com.evil.io/")).isFalse();
    }

    @Test
    void parsesListsAndRejectsGarbage() {
        assertThat(ToolRule.parseList("Bash(git:*), Edit(src/**) Read").stream().map(ToolRule::toString))
                .containsExactly("Bash(git:*)", "Edit(src/**)", "Read");
        assertThat(ToolRule.parseList("Bash(npm run test),WebFetch").stream().map(ToolRule::toString))
                .containsExactly("Bash(npm run test)", "WebFetch");
        assertThatThrownBy(() -> ToolRule.parse("Bash(")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ToolRule.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
