# frozen_string_literal: true

$LOAD_PATH.unshift File.expand_path("../lib", __dir__)

RSpec.configure do |config|
  # Defined order by default, so the order-dependent pair only fails when flaky (or you) shuffles
  # with `--order rand:N`.
  config.order = :defined
end
