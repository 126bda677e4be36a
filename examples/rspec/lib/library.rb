# frozen_string_literal: true

# A tiny lending library whose catalogue is process-wide state (the order-dependent pair's cause).
module Library
  CATALOGUE = { "Dune" => :on_shelf }

  def self.lend(title)
    raise ArgumentError, "#{title} is not on the shelf" unless CATALOGUE[title] == :on_shelf

    CATALOGUE[title] = :lent
  end

  def self.status(title)
    CATALOGUE.fetch(title, :unknown)
  end

  # Deliberately wrong: the daily rate has a typo (the always-failing example catches it).
  def self.late_fee(days_late)
    days_late * 0.55
  end

  # A fake catalogue server that is "down" on some attempts, chosen by the seed flaky sets.
  # RSPEC_SEED is set by flaky on every attempt; without it (a plain `rspec`) it is up.
  def self.search(query)
    raise IOError, "catalogue server timed out" if Integer(ENV.fetch("RSPEC_SEED", "1")) % 4 == 0

    CATALOGUE.keys.grep(/#{Regexp.escape(query)}/i)
  end
end
