# frozen_string_literal: true

# Runs seccomp-tools' own CLI (SeccompTools::CLI.work) in-process on a batch
# of jobs and records what it prints, for syswall's reference fixtures.
# Written for syswall; it only drives a seccomp-tools checkout, whose code it
# loads from the directory given as the first argument.
#
#   ruby scripts/seccomp-tools-ref.rb CHECKOUT < jobs.jsonl > results.jsonl
#
# A job is one JSON object per line:
#   {"id": ..., "argv": ["disasm", "prog.bpf", "-a", "amd64"],
#    "files": {"prog.bpf": "<base64>"}, "stdin": "<base64>"?, "timeout": 5}
# A result is one JSON object per line:
#   {"id": ..., "stdout": "<base64>", "error": {"class": ..., "message": ...}?,
#    "timeout": true?, "exit": N?, "ms": N}
# Files are written to a scratch directory that is the working directory of
# the job, so error messages name them as given. stdout is a StringIO, so
# seccomp-tools prints no colour (as when piped).

require 'base64'
require 'json'
require 'stringio'
require 'timeout'
require 'tmpdir'

checkout = ARGV.fetch(0)
$LOAD_PATH.unshift(File.join(checkout, 'lib'))
require 'seccomp-tools/cli/cli'
require 'seccomp-tools/version'
raise "expected seccomp-tools 1.7.1, got #{SeccompTools::VERSION}" unless SeccompTools::VERSION == '1.7.1'

real_stdout = $stdout
real_stdin = $stdin
Dir.mktmpdir('st-ref-') do |work|
  Dir.chdir(work) do
    real_stdin.each_line do |line|
      job = JSON.parse(line)
      Dir.children(work).each { |f| File.delete(File.join(work, f)) }
      (job['files'] || {}).each { |name, b64| File.binwrite(File.join(work, name), Base64.strict_decode64(b64)) }
      out = StringIO.new(''.b)
      res = { 'id' => job['id'] }
      t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      begin
        $stdout = out
        $stdin = StringIO.new(Base64.strict_decode64(job['stdin'] || ''))
        Timeout.timeout(job['timeout'] || 5) { SeccompTools::CLI.work(job['argv']) }
      rescue Timeout::Error
        res['timeout'] = true
      rescue SystemExit => e
        res['exit'] = e.status
      rescue NoMemoryError, StandardError, ScriptError => e
        res['error'] = { 'class' => e.class.name, 'message' => e.message.dup.force_encoding('BINARY').unpack1('H*') }
      ensure
        $stdout = real_stdout
        $stdin = real_stdin
      end
      res['ms'] = ((Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0) * 1000).round
      res['stdout'] = Base64.strict_encode64(out.string)
      real_stdout.puts(JSON.generate(res))
      real_stdout.flush
      GC.start if rand < 0.05
    end
  end
end
