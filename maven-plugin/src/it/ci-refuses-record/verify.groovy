def log = new File(basedir, 'build.log').text
assert log.contains('reprodiff:record refuses to run on CI (CI=true)')
assert !new File(basedir, 'src/test/resources/goldens').exists()
true
