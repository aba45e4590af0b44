package io.agentbox.sandbox.template;

import io.agentbox.ErrorCategory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplateSpecTest {
    @TempDir
    Path dir;

    private Path spec(String toml) throws IOException {
        return Files.writeString(dir.resolve("spec.toml"), toml);
    }

    private void rejects(String toml, String... messageParts) throws IOException {
        Path file = spec(toml);
        assertThatThrownBy(() -> TemplateSpec.parse(file))
                .isInstanceOfSatisfying(TemplateException.class, e -> assertThat(e.category()).isEqualTo(ErrorCategory.CONFIG))
                .hasMessageContaining(file.toString())
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void parsesEveryKeyAndResolvesFilesAgainstTheSpecDirectory() throws IOException {
        Files.createDirectories(dir.resolve("files"));
        Files.writeString(dir.resolve("files/bashrc"), "alias ll='ls -l'\n");
        TemplateSpec spec = TemplateSpec.parse(spec("""
                name = "python"
                suite = "trixie"
                mirror = "http://mirror.example/debian"
                packages = ["python3", "git", "python3"]
                npm = ["typescript@5", "@scope/tool"]
                env = { PYTHONDONTWRITEBYTECODE = "1" }
                run = ["pip install requests", "echo done"]
                [[files]]
                src = "files/bashrc"
                dst = "/home/user/.bashrc"
                mode = "0644"
                """));
        assertThat(spec.name()).isEqualTo("python");
        assertThat(spec.suite()).isEqualTo("trixie");
        assertThat(spec.mirror()).isEqualTo("http://mirror.example/debian");
        assertThat(spec.packages()).containsExactly("git", "python3");
        assertThat(spec.npm()).containsExactly("@scope/tool", "typescript@5");
        assertThat(spec.env()).isEqualTo(Map.of("PYTHONDONTWRITEBYTECODE", "1"));
        assertThat(spec.run()).containsExactly("pip install requests", "echo done");
        assertThat(spec.files()).containsExactly(
                new TemplateSpec.FileCopy(dir.resolve("files/bashrc"), "/home/user/.bashrc", Optional.of("0644")));
    }

    @Test
    void appliesDefaults() throws IOException {
        TemplateSpec spec = TemplateSpec.parse(spec("name = \"tiny\"\n"));
        assertThat(spec.suite()).isEqualTo("bookworm");
        assertThat(spec.mirror()).isEqualTo("http://deb.debian.org/debian");
        assertThat(spec.packages()).isEmpty();
        assertThat(spec.npm()).isEmpty();
        assertThat(spec.env()).isEmpty();
        assertThat(spec.run()).isEmpty();
        assertThat(spec.files()).isEmpty();
    }

    @Test
    void rejectsUnknownKeysNamingThemAndTheClosestKnownKey() throws IOException {
        rejects("name = \"a\"\npakages = [\"jq\"]\n", "unknown key 'pakages'", "did you mean 'packages'?");
        Files.writeString(dir.resolve("f"), "x");
        rejects("name = \"a\"\n[[files]]\nsrc = \"f\"\ndst = \"/f\"\nowner = \"user\"\n", "unknown key 'files[0].owner'");
    }

    @Test
    void rejectsBadNames() throws IOException {
        rejects("suite = \"bookworm\"\n", "'name' is required");
        rejects("name = \"Python\"\n", "'name' must match", "'Python'");
        rejects("name = \"../etc\"\n", "'name' must match");
        rejects("name = \"host\"\n", "'host' is reserved");
        rejects("name = 3\n", "'name' must be a string");
    }

    @Test
    void rejectsBadValuesNamingTheKey() throws IOException {
        rejects("name = \"a\"\nsuite = \"Bookworm!\"\n", "'suite' must match");
        rejects("name = \"a\"\nmirror = \"ftp://x\"\n", "'mirror' must match");
        rejects("name = \"a\"\npackages = \"jq\"\n", "'packages' must be an array of strings");
        rejects("name = \"a\"\npackages = [\"jq\", \"-oops\"]\n", "'packages[1]' is not a Debian package name");
        rejects("name = \"a\"\nnpm = [\"left pad\"]\n", "'npm[0]' is not an npm package spec");
        rejects("name = \"a\"\nenv = { A = 1 }\n", "'env.A' must be a string");
        rejects("name = \"a\"\nenv = { \"A-B\" = \"1\" }\n", "'env': invalid variable name 'A-B'");
        rejects("name = \"a\"\nrun = [\"  \"]\n", "'run[0]' is empty");
        rejects("name = \"a\"\n[[files]]\nsrc = \"missing\"\ndst = \"/x\"\n", "'files[0].src': no such file or directory");
        Files.writeString(dir.resolve("f"), "x");
        rejects("name = \"a\"\n[[files]]\nsrc = \"f\"\n", "'files[0].dst' is required");
        rejects("name = \"a\"\n[[files]]\nsrc = \"f\"\ndst = \"etc/f\"\n", "'files[0].dst' must be a normalized absolute path");
        rejects("name = \"a\"\n[[files]]\nsrc = \"f\"\ndst = \"/etc/../f\"\n", "'files[0].dst' must be a normalized absolute path");
        rejects("name = \"a\"\n[[files]]\nsrc = \"f\"\ndst = \"/f\"\nmode = 644\n", "'files[0].mode' must be a string");
        rejects("name = \"a\"\n[[files]]\nsrc = \"f\"\ndst = \"/f\"\nmode = \"0999\"\n", "'files[0].mode' must be an octal mode");
    }

    @Test
    void reportsTomlSyntaxErrorsWithTheLine() throws IOException {
        rejects("name = \"a\"\npackages = [\"jq\"\n", "not valid TOML", "line ");
    }

    @Test
    void hashIsStableAndIgnoresPackageOrderAndTheSpecLocation() throws IOException {
        Files.writeString(dir.resolve("f"), "content");
        String toml = "name = \"a\"\npackages = [\"jq\", \"curl\"]\n[[files]]\nsrc = \"f\"\ndst = \"/f\"\n";
        String hash = TemplateSpec.parse(spec(toml)).hash();
        assertThat(hash).matches("[0-9a-f]{64}").isEqualTo(TemplateSpec.parse(spec(toml)).hash());
        assertThat(TemplateSpec.parse(spec(toml.replace("\"jq\", \"curl\"", "\"curl\", \"jq\""))).hash()).isEqualTo(hash);

        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("f"), "content");
        assertThat(TemplateSpec.parse(Files.writeString(elsewhere.resolve("spec.toml"), toml)).hash()).isEqualTo(hash);
    }

    @Test
    void hashChangesWithEverythingThatChangesTheTemplate() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree/sub"));
        Files.writeString(tree.resolve("a.txt"), "one");
        String toml = "name = \"a\"\nrun = [\"true\"]\nenv = { A = \"1\" }\n[[files]]\nsrc = \"tree\"\ndst = \"/opt/tree\"\n";
        String base = TemplateSpec.parse(spec(toml)).hash();

        List<String> variants = List.of(
                toml.replace("[\"true\"]", "[\"true\", \"true\"]"),
                toml.replace("A = \"1\"", "A = \"2\""),
                toml.replace("/opt/tree", "/opt/other"),
                toml + "mode = \"0700\"\n",
                "packages = [\"jq\"]\n" + toml,
                toml.replace("name = \"a\"", "name = \"b\""));
        for (String variant : variants) {
            assertThat(TemplateSpec.parse(spec(variant)).hash()).as(variant).isNotEqualTo(base);
        }

        Files.writeString(tree.resolve("a.txt"), "two");
        String edited = TemplateSpec.parse(spec(toml)).hash();
        assertThat(edited).isNotEqualTo(base);

        Files.setPosixFilePermissions(tree.resolve("a.txt"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String executable = TemplateSpec.parse(spec(toml)).hash();
        assertThat(executable).isNotEqualTo(edited);

        Files.writeString(tree.resolve("new.txt"), "");
        assertThat(TemplateSpec.parse(spec(toml)).hash()).isNotEqualTo(executable);
    }
}
