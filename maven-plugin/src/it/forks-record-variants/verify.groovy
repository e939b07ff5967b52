import java.security.MessageDigest

def goldens = new File(basedir, 'src/test/resources/goldens')
def log = new File(basedir, 'build.log').text
assert log.contains('Tests run: 120, Failures: 0, Errors: 0, Skipped: 0')
(0..<30).each { i ->
    def manifest = new groovy.json.JsonSlurper().parse(new File(goldens, "thirty/g${i}.json"))
    assert manifest.variants.keySet() == ['fork-1', 'fork-2', 'fork-3', 'fork-4'] as Set : "g${i}: ${manifest.variants.keySet()}"
    manifest.variants.each { key, variant ->
        def file = new File(goldens, variant.file)
        assert file.isFile()
        assert MessageDigest.getInstance('SHA-256').digest(file.bytes).encodeHex().toString() == variant.sha256
    }
}
// 120 tensor files and 30 manifests, nothing else but the lock.
def files = new File(goldens, 'thirty').list().toList()
assert files.count { it.endsWith('.safetensors') } == 120
assert files.count { it.endsWith('.json') } == 30
assert files.size() == 150
assert log =~ /reprodiff: goldens in .*: 120 new, 0 changed, 0 unchanged/
true
