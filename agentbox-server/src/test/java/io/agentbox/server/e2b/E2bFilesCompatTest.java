package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.E2bSdk;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The official E2B JS SDK's {@code sbx.files}, unmodified, against agentbox's E2B API. */
class E2bFilesCompatTest extends E2bTestBase {
    private JsonNode r;

    @BeforeAll
    void runScript() {
        r = E2bSdk.run("files.mjs", E2bSdk.env(e2bUrl, server.ownerKey()), Duration.ofMinutes(2));
    }

    @Test
    void readAndWriteTextBytesAndStreams() {
        assertThat(r.at("/write/path").asText()).isEqualTo("/home/user/hello.txt");
        assertThat(r.at("/write/name").asText()).isEqualTo("hello.txt");
        assertThat(r.at("/readText").asText()).isEqualTo("hello world");
        assertThat(r.at("/readBytes").toString()).isEqualTo("[104,101,108,108,111]");
        // a relative path is relative to the user's home, and bytes survive exactly
        assertThat(r.at("/binRoundTrip").toString()).isEqualTo("[0,1,2,255,254,10]");
        assertThat(r.at("/relativeSeenByCommand").asText()).isEqualTo("6");
        assertThat(r.at("/streamedSize").asLong()).isEqualTo(3L * 1024 * 1024);
        assertThat(r.at("/readStream").asText()).isEqualTo("hello world");
        assertThat(r.at("/readBlob").asText()).isEqualTo("hello world");
        assertThat(r.at("/emptyFile").asText()).isEmpty();
    }

    @Test
    void writeFilesBatchCreatesParents() {
        assertThat(r.at("/writeFiles").toString()).isEqualTo("[\"/home/user/batch/a.txt\",\"/home/user/batch/deep/b.txt\"]");
        assertThat(r.at("/batchRead").asText()).isEqualTo("BB");
    }

    @Test
    void listWithDepthAndEntryInfo() {
        JsonNode list1 = r.at("/list1");
        assertThat(list1).hasSize(2);
        assertThat(list1.get(0).path("name").asText()).isEqualTo("a.txt");
        assertThat(list1.get(0).path("type").asText()).isEqualTo("file");
        assertThat(list1.get(0).path("size").asLong()).isEqualTo(1);
        assertThat(list1.get(1).path("type").asText()).isEqualTo("dir");
        assertThat(r.at("/list2").toString())
                .isEqualTo("[\"/home/user/batch/a.txt\",\"/home/user/batch/deep\",\"/home/user/batch/deep/b.txt\"]");
        assertThat(r.at("/info/type").asText()).isEqualTo("file");
        assertThat(r.at("/info/size").asLong()).isEqualTo(11);
        assertThat(r.at("/info/mode").asInt()).isEqualTo(0644);
        assertThat(r.at("/info/permissions").asText()).isEqualTo("-rw-r--r--");
        assertThat(r.at("/info/modified").asBoolean()).isTrue();
        assertThat(r.at("/dirInfo").asText()).isEqualTo("dir");
    }

    @Test
    void makeDirRenameRemoveExists() {
        assertThat(r.at("/makeDir").asBoolean()).isTrue();
        assertThat(r.at("/makeDirAgain").asBoolean()).isFalse();
        assertThat(r.at("/exists").toString()).isEqualTo("[true,false]");
        assertThat(r.at("/rename").asText()).isEqualTo("/home/user/renamed.txt");
        assertThat(r.at("/renamedRead").asText()).isEqualTo("hello world");
        assertThat(r.at("/oldGone").asBoolean()).isFalse();
        assertThat(r.at("/removed").asBoolean()).isFalse();
    }

    @Test
    void missingFilesAreFileNotFoundErrors() {
        assertThat(r.at("/missingRead/error/name").asText()).isEqualTo("FileNotFoundError");
        assertThat(r.at("/missingReadType").asBoolean()).isTrue();
        assertThat(r.at("/missingInfo/error/name").asText()).isEqualTo("FileNotFoundError");
        assertThat(r.at("/missingList/error/name").asText()).isEqualTo("FileNotFoundError");
    }

    @Test
    void watchDirReportsCreateWriteAndRemove() {
        List<String> types = r.at("/watchEvents").findValuesAsText("type");
        assertThat(types).contains("create", "write", "remove");
        assertThat(r.at("/watchEvents").findValuesAsText("name")).containsOnly("f.txt");
        assertThat(types.indexOf("create")).isLessThan(types.indexOf("remove"));
        assertThat(r.at("/kill").asBoolean()).isTrue();
    }
}
