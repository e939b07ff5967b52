def log = new File(basedir, 'build.log').text
['lib', 'app'].each { module ->
    def goldens = new File(basedir, "${module}/src/test/resources/goldens")
    assert new File(goldens, "${module}/values.json").isFile()
    assert log.contains("reprodiff: goldens in ${goldens}: 1 new, 0 changed, 0 unchanged")
}
true
