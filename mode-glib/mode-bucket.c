/* mode-bucket.c
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "config.h"

#include "mode-bucket.h"

/**
 * SECTION:mode-bucket
 * @Title: ModeBucket
 * @Short_description: a token bucket rate limiter
 *
 * A #ModeBucket allows @rate events every @over seconds: it holds up to
 * its capacity of tokens (@rate unless given), refills at @rate / @over
 * tokens a second, and mode_bucket_pour() takes tokens out when there
 * are enough. A burst of up to the capacity passes at once; a steady
 * flow passes at the rate.
 *
 * Supervisors count their restarts with one (#ModeSupervisor:max-restarts
 * per #ModeSupervisor:over seconds).
 *
 * |[<!-- language="C" -->
 * g_autoptr(ModeBucket) bucket = mode_bucket_new (100, 1.0); // 100 a second
 *
 * if (!mode_bucket_pour (bucket, 1))
 *   g_print ("slow down: next token in %.3f s\n", mode_bucket_expected_time (bucket, 1));
 * ]|
 */

/**
 * ModeBucket:
 *
 * A token bucket rate limiter.
 *
 * Since: 0.1
 */

struct _ModeBucket
{
  GObject    parent_instance;

  ModeClock *clock;       /* (owned) */
  gdouble    rate;
  gdouble    over;
  gdouble    capacity;
  gdouble    tokens;
  gint64     last_fill;   /* on the clock */
};

enum {
  PROP_0,
  PROP_RATE,
  PROP_OVER,
  PROP_CAPACITY,
  PROP_CLOCK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ModeBucket, mode_bucket, G_TYPE_OBJECT)

static void
mode_bucket_constructed (GObject *object)
{
  ModeBucket *self = MODE_BUCKET (object);

  G_OBJECT_CLASS (mode_bucket_parent_class)->constructed (object);

  if (self->clock == NULL)
    self->clock = g_object_ref (mode_clock_get_default ());
  if (self->capacity <= 0)
    self->capacity = self->rate;
  self->tokens = self->capacity;
  self->last_fill = mode_clock_get_time (self->clock);
}

static void
mode_bucket_finalize (GObject *object)
{
  ModeBucket *self = MODE_BUCKET (object);

  g_clear_object (&self->clock);

  G_OBJECT_CLASS (mode_bucket_parent_class)->finalize (object);
}

static void
mode_bucket_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ModeBucket *self = MODE_BUCKET (object);

  switch (prop_id)
    {
    case PROP_RATE:
      g_value_set_double (value, self->rate);
      break;

    case PROP_OVER:
      g_value_set_double (value, self->over);
      break;

    case PROP_CAPACITY:
      g_value_set_double (value, self->capacity);
      break;

    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_bucket_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ModeBucket *self = MODE_BUCKET (object);

  switch (prop_id)
    {
    case PROP_RATE:
      self->rate = g_value_get_double (value);
      break;

    case PROP_OVER:
      self->over = g_value_get_double (value);
      break;

    case PROP_CAPACITY:
      self->capacity = g_value_get_double (value);
      break;

    case PROP_CLOCK:
      self->clock = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_bucket_class_init (ModeBucketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mode_bucket_constructed;
  object_class->finalize = mode_bucket_finalize;
  object_class->get_property = mode_bucket_get_property;
  object_class->set_property = mode_bucket_set_property;

  /**
   * ModeBucket:rate:
   *
   * How many tokens the bucket gives every #ModeBucket:over seconds.
   *
   * Since: 0.1
   */
  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 0.0, G_MAXDOUBLE, 1.0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeBucket:over:
   *
   * The period of the rate, in seconds.
   *
   * Since: 0.1
   */
  properties[PROP_OVER] =
    g_param_spec_double ("over", NULL, NULL, G_MINDOUBLE, G_MAXDOUBLE, 1.0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeBucket:capacity:
   *
   * The most tokens the bucket holds: the largest burst. 0 means the
   * #ModeBucket:rate.
   *
   * Since: 0.1
   */
  properties[PROP_CAPACITY] =
    g_param_spec_double ("capacity", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeBucket:clock:
   *
   * The clock the bucket refills by; the default #ModeClock unless given.
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, MODE_TYPE_CLOCK,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_bucket_init (ModeBucket *self)
{
  self->rate = 1.0;
  self->over = 1.0;
}

/**
 * mode_bucket_new:
 * @rate: how many tokens every @over seconds, more than 0
 * @over: the period in seconds, more than 0
 *
 * Creates a full bucket that allows @rate events every @over seconds,
 * in bursts of up to @rate.
 *
 * Returns: (transfer full): a new #ModeBucket
 *
 * Since: 0.1
 */
ModeBucket *
mode_bucket_new (gdouble rate,
                 gdouble over)
{
  return mode_bucket_new_full (rate, over, 0.0, NULL);
}

/**
 * mode_bucket_new_full:
 * @rate: how many tokens every @over seconds, more than 0
 * @over: the period in seconds, more than 0
 * @capacity: the largest burst, or 0 for @rate
 * @clock: (nullable): the clock to refill by, or %NULL for the default
 *
 * Creates a full bucket, as mode_bucket_new() does, with a capacity and
 * a clock of its own.
 *
 * Returns: (transfer full): a new #ModeBucket
 *
 * Since: 0.1
 */
ModeBucket *
mode_bucket_new_full (gdouble    rate,
                      gdouble    over,
                      gdouble    capacity,
                      ModeClock *clock)
{
  g_return_val_if_fail (rate > 0, NULL);
  g_return_val_if_fail (over > 0, NULL);
  g_return_val_if_fail (capacity >= 0, NULL);
  g_return_val_if_fail (clock == NULL || MODE_IS_CLOCK (clock), NULL);

  return g_object_new (MODE_TYPE_BUCKET,
                       "rate", rate,
                       "over", over,
                       "capacity", capacity,
                       "clock", clock,
                       NULL);
}

static void
bucket_fill (ModeBucket *self)
{
  gint64 now = mode_clock_get_time (self->clock);

  if (now > self->last_fill)
    {
      gdouble fill_rate = self->rate / self->over;  /* tokens a second */

      self->tokens = MIN (self->capacity,
                          self->tokens + fill_rate * (now - self->last_fill) / G_USEC_PER_SEC);
      self->last_fill = now;
    }
}

/**
 * mode_bucket_pour:
 * @self: a #ModeBucket
 * @tokens: how many tokens to take, more than 0
 *
 * Takes @tokens out of the bucket when it holds that many.
 *
 * Returns: %TRUE when the tokens were taken, %FALSE when there are not
 *   enough (then nothing is taken)
 *
 * Since: 0.1
 */
gboolean
mode_bucket_pour (ModeBucket *self,
                  gdouble     tokens)
{
  g_return_val_if_fail (MODE_IS_BUCKET (self), FALSE);
  g_return_val_if_fail (tokens > 0, FALSE);

  bucket_fill (self);
  if (self->tokens < tokens)
    return FALSE;

  self->tokens -= tokens;
  return TRUE;
}

/**
 * mode_bucket_get_tokens:
 * @self: a #ModeBucket
 *
 * Gets how many tokens the bucket holds now.
 *
 * Returns: the tokens
 *
 * Since: 0.1
 */
gdouble
mode_bucket_get_tokens (ModeBucket *self)
{
  g_return_val_if_fail (MODE_IS_BUCKET (self), 0.0);

  bucket_fill (self);
  return self->tokens;
}

/**
 * mode_bucket_expected_time:
 * @self: a #ModeBucket
 * @tokens: how many tokens
 *
 * Gets how long until the bucket holds @tokens.
 *
 * Returns: the time in seconds, 0 when it holds them now
 *
 * Since: 0.1
 */
gdouble
mode_bucket_expected_time (ModeBucket *self,
                           gdouble     tokens)
{
  g_return_val_if_fail (MODE_IS_BUCKET (self), 0.0);

  bucket_fill (self);
  if (self->tokens >= tokens)
    return 0.0;
  return (tokens - self->tokens) / (self->rate / self->over);
}

/**
 * mode_bucket_get_rate:
 * @self: a #ModeBucket
 *
 * Gets the rate of the bucket.
 *
 * Returns: the tokens given every #ModeBucket:over seconds
 *
 * Since: 0.1
 */
gdouble
mode_bucket_get_rate (ModeBucket *self)
{
  g_return_val_if_fail (MODE_IS_BUCKET (self), 0.0);

  return self->rate;
}

/**
 * mode_bucket_get_over:
 * @self: a #ModeBucket
 *
 * Gets the period of the rate.
 *
 * Returns: the period in seconds
 *
 * Since: 0.1
 */
gdouble
mode_bucket_get_over (ModeBucket *self)
{
  g_return_val_if_fail (MODE_IS_BUCKET (self), 0.0);

  return self->over;
}

/**
 * mode_bucket_get_capacity:
 * @self: a #ModeBucket
 *
 * Gets the most tokens the bucket holds.
 *
 * Returns: the capacity
 *
 * Since: 0.1
 */
gdouble
mode_bucket_get_capacity (ModeBucket *self)
{
  g_return_val_if_fail (MODE_IS_BUCKET (self), 0.0);

  return self->capacity;
}
